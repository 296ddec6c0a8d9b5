"""Firms choose: joining or leaving an employer group (GE, GEIQ).

They weigh its benefit against its price, with trust lowering the perceived risk.

Every month a firm with a need that is not yet a member of a group serving its sector hears of it
with the chance ``contact_rate * min(1, need) * (0.5 + reputation + trust)`` (word of mouth: the
group's reputation and the firm's own trust raise it). A firm that hears of the group joins when
its expected net benefit is positive:

* GE: the value of its fractional need filled, ``F * v`` (``v`` its sector's value added per FTE
  and month), against the GE's price for the hours wanted, ``F * h * billing + fee / 12``. This is
  the margin lost on the part-time post left unfilled, ``F * (v - w)``, against the GE's premium
  over a direct wage, ``F * (h * billing - w) + fee / 12``: the wage ``w`` cancels out. A firm
  that joins contracts the need it has then (its agreement with the GE on the hours it will take,
  ASSUMPTION: not revised with its month-to-month fluctuations): the GE staffs and bills that
  contracted need for as long as the firm stays a member, and the firm's accounts bear the hours
  it no longer uses (its sales count only the staff its demand keeps busy).
* GEIQ: for each skilled post it cannot fill (as many as the trainees it would ask for), the value
  of a trainee's working time ``(1 - training_share) * v``, and of the qualified person it may hire
  at the contract's end instead of waiting for one (:func:`qualified_hire_value`), against the
  trainee's price ``(1 - training_share) * h * billing`` and the tutoring time
  ``tutoring_fte_per_trainee * w``; then the member fee, once.

The price (fees, billing, tutoring) is perceived with a risk premium that falls with trust:
``price * (1 + risk_premium * a * (1 - trust))``, trust = ``min(1, reputation + the firm's
trust)`` (0 when the cooperation network is switched off) and ``a`` the firm's own risk aversion
(drawn at its creation, mean 1: firms of a sector that see the same price and trust do not all
decide alike). Members weigh the same benefit every month (a
GEIQ member counts the trainees it hosts, and at least one: it stays for its next skilled
vacancy, ASSUMPTION) and leave once it has been negative for
``leave_after_months`` months in a row; the workers they hosted go back to their group, to be lent
again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ptce_sim.simulation.agents.persons import NO_ORG, Status
from ptce_sim.simulation.agents.structures.employer_groups import SKILLED_SHORTAGE
from ptce_sim.simulation.mechanisms import qualifications

if TYPE_CHECKING:
    from ptce_sim.simulation.agents.structures import Structure
    from ptce_sim.simulation.interface import Context

COLUMNS = {"employer_group": "ge", "geiq": "geiq"}
"""The firm table's membership column of each kind of employer group."""


def trust_in(model: Context, structure: Structure) -> np.ndarray:
    """The group's reputation plus each firm's trust (0 without the cooperation network)."""
    if not model.cooperation_on:
        return np.zeros(len(model.firms))
    return model.network.reputation(structure.org) + model.firms.trust


def risk_markup(model: Context, trust: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
    """How much each firm (of ``rows``; all when ``None``) marks a price up for the risk it sees.

    ``1 + risk_premium * risk_aversion * (1 - min(1, trust))``, with the firm's own
    ``risk_aversion``.
    """
    aversion = model.firms.risk_aversion if rows is None else model.firms.risk_aversion[rows]
    premium = model.spec.firms.risk_premium * aversion
    return 1.0 + premium * (1.0 - np.minimum(1.0, trust))


def ge_benefit(model: Context, need: np.ndarray, trust: np.ndarray) -> np.ndarray:
    """Monthly net benefit of a GE to each firm with a fractional need ``need`` (FTE)."""
    rule = model.spec.mechanisms.shared_employment
    value = need * model.firms.value_per_fte(model.spec)
    price = need * model.hours_per_month * rule.billing_eur_per_hour
    price = price + rule.member_fee_eur_per_year / 12.0
    return value - price * risk_markup(model, trust)


def trainee_posts(model: Context) -> np.ndarray:
    """Trainees each firm would ask a GEIQ for.

    One per skilled post it cannot fill, counting from a shortage of ``SKILLED_SHORTAGE``, up to
    what its tutor can follow.
    """
    posts = np.floor(model.firms.unfilled_skilled + 1.0 - SKILLED_SHORTAGE)
    return np.clip(posts, 0.0, model.spec.mechanisms.geiq.trainees_per_member)


def geiq_benefit(model: Context, posts: np.ndarray, trust: np.ndarray) -> np.ndarray:
    """Monthly net benefit of a GEIQ to each firm that would host ``posts`` trainees.

    Each trainee's working time, and the qualified person the firm may hire at the contract's end
    instead of waiting for one (:func:`qualified_hire_value`).
    """
    per_trainee, fee = geiq_terms(model, trust)
    return posts * per_trainee - fee


def geiq_terms(model: Context, trust: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each firm's monthly net benefit per trainee it hosts, and its member fee, as it sees them.

    Both with its risk mark-up; a firm hosting ``k`` trainees gains ``k * per_trainee - fee``.
    """
    rule = model.spec.mechanisms.geiq
    working = 1.0 - rule.training_share
    value = working * model.firms.value_per_fte(model.spec) + qualified_hire_value(model)
    price = (
        working * model.hours_per_month * rule.billing_eur_per_hour
        + rule.tutoring_fte_per_trainee * model.spec.finance.wage_cost_eur_per_fte_month
    )
    markup = risk_markup(model, trust)
    return value - price * markup, rule.member_fee_eur_per_year / 12.0 * markup


def qualified_hire_value(model: Context) -> np.ndarray:
    """What a trainee qualified in its trade is worth to each firm, per month of contract.

    At the contract's end the firm expects to hire its trainee with ``geiq.hire_base_probability``
    (a trainee of average skill), and then has a skilled post filled that would otherwise wait the
    months a skilled post of its sector waits (:meth:`qualifications.SkilledPosts.wait`), each
    worth its margin over the wage; spread over the contract's months.
    """
    rule = model.spec.mechanisms.geiq
    firms = model.firms
    wait = model.labour.skilled.wait()[firms.sector]
    skilled = qualifications.skilled_sectors(model.spec)[firms.sector]
    saved = np.where(skilled, wait, 0.0) * firms.margin_per_fte(model.spec)
    return rule.hire_base_probability * saved / max(rule.contract_months, 1)


def hosted_by(model: Context, structure: Structure) -> np.ndarray:
    """Workers of a group each firm hosts."""
    people = model.people
    hosts = people.host[structure.staff_rows(structure.contract_status)]
    rows = model.orgs.firm_rows(hosts[hosts != NO_ORG])
    return np.bincount(rows[rows >= 0], minlength=len(model.firms)).astype(np.float64)


def needs_and_benefits(
    model: Context, structure: Structure, trust: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For every firm: its need, and the group's net benefit to a prospect and to a member.

    The need is what makes a non-member look for the group (0: none).
    """
    firms = model.firms
    if structure.kind_name == "employer_group":
        _, fraction = firms.jobs_target()
        need = np.where((fraction > 0.5) & ~firms.fills_alone, fraction, 0.0)
        benefit = ge_benefit(model, fraction, trust)
        return need, benefit, benefit
    posts = trainee_posts(model)
    member_posts = np.maximum(np.maximum(posts, hosted_by(model, structure)), 1.0)
    per_trainee, fee = geiq_terms(model, trust)
    return firms.unfilled_skilled, posts * per_trainee - fee, member_posts * per_trainee - fee


def choose(model: Context, structure: Structure, rate: float, serves: np.ndarray) -> np.ndarray:
    """The month's choices about one group: members leave, then firms join.

    Members whose benefit has stayed negative leave, then firms that hear of it join when its
    benefit is positive.

    Args:
        model: the model.
        structure: a GE or a GEIQ.
        rate: its ``contact_rate``.
        serves: which firms it serves (its sectors).

    Returns:
        The rows of the firms that joined.
    """
    firms = model.firms
    column = COLUMNS[structure.kind_name]
    membership = getattr(firms, column)
    trust = trust_in(model, structure)
    need, prospect, member = needs_and_benefits(model, structure, trust)
    leave(model, structure, member)
    eligible = firms.alive & (membership == NO_ORG) & (need > 0) & serves
    p = rate * np.minimum(1.0, need) * (0.5 + trust)
    stream = model.streams.shared_employment if column == "ge" else model.streams.geiq
    hearing = eligible & (stream.random(len(firms)) < p)
    joining = np.flatnonzero(hearing & (prospect > 0.0))
    firms.join(column, joining, structure.org, need)  # a GE member contracts its need now
    return joining


def leave(model: Context, structure: Structure, benefit: np.ndarray) -> None:
    """Members whose net benefit has been negative ``leave_after_months`` months in a row leave.

    The workers they hosted go back to the group, to be lent again.
    """
    firms = model.firms
    column = COLUMNS[structure.kind_name]
    membership = getattr(firms, column)
    losses = getattr(firms, f"{column}_loss_months")
    members = (membership == structure.org) & firms.alive
    losses[:] = np.where(members & (benefit < 0.0), losses + 1, np.where(members, 0, losses))
    leaving = np.flatnonzero(members & (losses >= model.spec.firms.leave_after_months))
    if leaving.size == 0:
        return
    firms.release(column, leaving)
    people = model.people
    back = np.flatnonzero(
        (people.employer == structure.org)
        & (people.status == Status(structure.contract_status))
        & np.isin(people.host, firms.org[leaving])
    )
    people.host[back] = NO_ORG
    for org in firms.org[leaving].tolist():
        model.network.untie(structure.org, org, "member")
