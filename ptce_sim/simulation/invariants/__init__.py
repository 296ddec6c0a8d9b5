"""Invariants of a running model, checked from outside.

Every person in exactly one state, money conserved by the treasury, counts never negative,
indicators finite. Nothing here runs during a normal run. A test (or a debugging session) creates an
:class:`InvariantChecker` for a model and calls :meth:`InvariantChecker.check` after each
``model.step()``; it returns the :class:`Violation` found, each naming its invariant and the month.
:func:`check_state` is the stateless part, a pure function of the model's current state;
the checker adds what needs memory of the previous months: the treasury's conservation of cash,
checked around every treasury step (:class:`TreasuryAudit`), and the yearly indicator rows
appended since the last check.

The checks are vectorised over persons and firms and loop only over structures, authorities and
loans, so that a check costs about as much as a month of the model. No file is read or written and
the model's random generator is never used: a checked run gives the same results as an unchecked
one.

Invariants (the names in :class:`Violation`):

* ``person_state``: every person has exactly one valid status and one row in every column;
  persons are sorted by unique id, ids taken from Mesa's agent counter and held by no Mesa agent;
  the counts by status sum to the population.
* ``employment``: a person is employed if and only if they have an employer, which exists, is open
  and is of the kind their status needs (a classic firm, an EI for insertion posts, a GE, a GEIQ,
  any structure for ESS staff); employed persons work a share of a full time in (0, 1], the others
  none.
* ``in_commuters``: persons living outside the territory only hold a post open to them (a
  classic firm's in a sector located in the territory, an ESS structure's permanent post): never
  seeking work, training or inactive.
* ``hosts``: trainees are hosted by a training centre, GE and GEIQ workers (when lent) by an open
  firm that is a member of their employer, nobody else has a host.
* ``contracts``: insertion posts, GEIQ contracts and courses have an end, which is not past;
  project holders (ESS staff with an end) belong to a CAE; no other status has an end.
* ``person_attributes``: ages within the working years; skill and employability in [0, 1];
  matching priority finite and positive.
* ``headcounts``: per organisation, the staff counts and FTE are non-negative and those of open
  organisations match the persons.
* ``firms``: demand, baseline and unfilled posts finite and non-negative; trust in [0, 1];
  memberships point at an open GE or GEIQ; sectors' baseline jobs and demand index non-negative.
* ``structures``: cash finite; an open structure's distress within its grace; pending requests,
  year accounts and smoothed sizes finite and non-negative.
* ``authorities``: what an authority has left and has paid this year is finite and non-negative.
* ``network``: trust finite, in [0, 1]; one trust per tie; the graph's nodes are open
  organisations and its edges the live ties.
* ``treasury``: the fund is non-negative; every loan is positive, at most its principal, owed by
  an open structure (or an open firm, when firms take part); the outstanding total is finite.
* ``books_closed`` and ``books_match``: the books (:mod:`ptce_sim.simulation.accounts`) sum to
  zero, and each structure's cash, the solidarity fund and each funder's budget left equal their
  balance there, to the cent (:mod:`~ptce_sim.simulation.invariants.books`).
* ``treasury_conserves_cash`` and ``loans_match_flows`` (around every treasury step, see
  :class:`TreasuryAudit`).
* ``monthly_indicators``: the month's recorded series are finite, non-negative, ordered
  (employed + unemployed ≤ labour force ≤ persons) and equal to the persons' counts (residents;
  ``ess_jobs`` and ``jobs_held_by_non_residents``: every job holder).
* ``yearly_indicators``: each new row of the territory, structures and mechanism tables is finite
  (but for the columns that are empty by definition: the self-financing ratio without any sales or
  aid, the solidarity fund before it exists, and the structures' columns that do not apply to a
  kind), rates and trust in [0, 1], counts and flows non-negative, jobs adding up (residents in
  work = classic + ESS jobs − jobs held by non-residents).
"""

from ptce_sim.simulation.invariants.memory import InvariantChecker, TreasuryAudit
from ptce_sim.simulation.invariants.report import InvariantError, Violation
from ptce_sim.simulation.invariants.state import check_state

__all__ = ["InvariantChecker", "InvariantError", "TreasuryAudit", "Violation", "check_state"]
