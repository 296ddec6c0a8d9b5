"""Demography and careers: the labour force ages, retires, grows, and people's situation drifts.

Each month (:meth:`Demography.age_and_renew`) persons age and those reaching the retirement age
leave. With a census (``territory.census``), the residents follow the census population times the
activity rate: young residents reaching the entry age join, some residents die, and net migration
(in-migrants, or out-migrants chosen among the residents) keeps the residents on that path.
Without one, newcomers (mostly young entrants) join as job seekers so that the labour force
follows the scenario's growth periods. Later in the month (:meth:`Demography.drift`), job seekers
become long-term unemployed after the scenario's threshold, some long-term unemployed give up,
some inactive persons come back, employability and skills drift with work and unemployment, and
years in a trade qualify for it (:mod:`qualifications`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ptce_sim.simulation.agents.persons import EMPLOYED, RSA_PROXY_MONTHS, Status, is_in
from ptce_sim.simulation.mechanisms import qualifications

if TYPE_CHECKING:
    from ptce_sim.simulation.interface import Context

YOUNG_ENTRANT_SHARE = 0.6
"""Share of newcomers to the labour force who are young entrants (the others: adults moving in),
without a census, and of in-commuters."""
ENTRANT_SKILL_GAIN_PER_YEAR = 0.002
"""Rise per year of run of the young entrants' mean skill (longer schooling)."""
DEATH_RATE_PER_YEAR = 0.002
"""Yearly deaths per resident of working age. ASSUMPTION: the order of French mortality between
18 and 62 (INSEE life tables: 0.5 per 1000 at 20 to 6 per 1000 at 60)."""
ENTRANT_ACTIVITY = 0.8
"""Share of a cohort of young residents that joins the labour force at the entry age (the others
study on elsewhere or stay out of it). ASSUMPTION."""
CHILD_SHARE = 0.19
"""Share of the 0-14 year-olds among the residents when the census gives no age ranges.
ASSUMPTION: the Seignanx's share in 2010 (INSEE census)."""
OUT_MIGRATION_WEIGHTS = {"unemployed": 2.0, "young": 2.0}
"""How much more likely than others a job seeker (or long-term unemployed) and a resident under
30 are to be among the out-migrants (the weights multiply). ASSUMPTION: the young and the
unemployed move most."""
YOUNG_MOVER_AGE = 30.0
"""Residents younger than this count as young among the out-migrants. ASSUMPTION."""


class Demography:
    """The labour force's size and persons' drift between statuses."""

    def __init__(self, model: Context) -> None:
        self.model = model
        territory = model.spec.territory
        self.labour_force0 = territory.start_labour_force(model.spec.run.start_year) * model.scale
        """Residents at the start (the census path then, or ``labour_force``), at run scale."""
        self.flows: dict[str, int] = {}
        """This month's persons retiring, dying, entering young, moving in and moving out."""

    def draw_skills(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """Skills of ``n`` persons: a Beta law with the territory's mean and spread.

        ``rng`` is the caller's stream: the set-up's at the start, the demography's for newcomers.
        """
        territory = self.model.spec.territory
        m, s = territory.skill_mean, territory.skill_sd
        k = max(m * (1 - m) / s**2 - 1, 0.5)
        a, b = m * k, (1 - m) * k
        if not (a > 0.0 and b > 0.0):  # a mean skill of 0 or 1 (or too close to be told apart)
            return np.full(n, m)
        return rng.beta(a, b, n)

    def labour_force_ratio(self) -> float:
        """Labour force (residents) now relative to the start."""
        return self.model.people.residents() / max(self.labour_force0, 1.0)

    def population_now(self) -> float:
        """The census population this month (full scale); the territory must have a census."""
        model = self.model
        census = model.spec.territory.census
        assert census is not None
        return census.population_at(model.spec.run.start_year + model.month_index / 12.0)

    def target_labour_force(self) -> float:
        """Residents this month (at the run's scale).

        The census population times the activity rate, or the labour force the growth periods
        call for.
        """
        model = self.model
        territory = model.spec.territory
        if territory.census is not None:
            return self.population_now() * territory.activity_rate * model.scale
        size = self.labour_force0
        start = model.spec.run.start_year
        periods = model.spec.territory.growth
        for i, period in enumerate(periods):
            begin = max(period.from_year, start)
            end = periods[i + 1].from_year if i + 1 < len(periods) else 10_000
            months = min(model.month_index, 12 * (end - start)) - 12 * (begin - start)
            if months > 0:
                size *= (1 + period.rate_per_year) ** (months / 12)
        return size

    def age_and_renew(self) -> None:
        """Ageing, retirements, and the residents' renewal (census path or growth periods)."""
        model = self.model
        territory = model.spec.territory
        people, rng = model.people, model.streams.demography
        people.age += 1.0 / 12.0
        retiring = np.flatnonzero(people.age >= territory.retirement_age)
        people.remove(retiring, model.month_index)
        self.flows = {"retired": retiring.size}
        if territory.census is not None:
            self._follow_census()
            return
        missing = model.stochastic_round(
            max(0.0, self.target_labour_force() - people.residents()), rng
        )
        self.flows["moved_in"] = missing
        self._arrive(missing, YOUNG_ENTRANT_SHARE)

    def _arrive(self, n: int, young_share: float) -> np.ndarray:
        """``n`` newcomers join the residents as job seekers; their rows.

        ``young_share`` of them are young.
        """
        if not n:
            return np.zeros(0, dtype=np.int64)
        status = np.full(n, Status.SEEKER, dtype=np.int8)
        rng = self.model.streams.demography
        return self.model.people.add(
            self.model, {"status": status, **self.newcomers(n, rng, young_share)}
        )

    def _arrive_employed(self, n: int) -> None:
        """``n`` adults move in with their job in the conurbation (:meth:`Economy.posts_outside`).

        They arrive, and move to their post at once (a recorded flow); without a sector located
        outside, they arrive seeking work.
        """
        model = self.model
        rows = model.economy.posts_outside(n, model.streams.demography)
        arrived = self._arrive(n, 0.0)
        if rows.size == n:
            model.people.move(
                arrived, Status.CLASSIC, model.month_index, employer=model.firms.org[rows], fte=1.0
            )

    def _follow_census(self) -> None:
        """Deaths, young entrants, then net migration onto the census path.

        Young entrants: the cohort reaching the entry age, approximated by one year of age of the
        census's youngest range (those aged 0, born 15 to 18 years before they enter: ASSUMPTION,
        births are not given) times :data:`ENTRANT_ACTIVITY`. Net migration is
        the residual that brings the residents to the census population times the activity rate.
        """
        model = self.model
        people, rng = model.people, model.streams.demography
        deaths = np.flatnonzero(self._resident_draws() < DEATH_RATE_PER_YEAR / 12.0)
        people.remove(deaths, model.month_index)
        young = model.stochastic_round(self.cohort_per_month(), rng)
        self._arrive(young, 1.0)
        net = model.stochastic_round(abs(self.target_labour_force() - people.residents()), rng)
        moving_in = people.residents() < self.target_labour_force()
        leaving = self._out_migrants(0 if moving_in else net)
        people.remove(leaving, model.month_index)
        movers = net if moving_in else 0
        with_job = int(rng.binomial(movers, model.spec.territory.movers_with_job_share))
        self._arrive_employed(with_job)
        self._arrive(movers - with_job, 0.0)
        self.flows |= {
            "died": deaths.size,
            "entered": young,
            "moved_in": net if moving_in else 0,
            "moved_out": leaving.size,
        }

    def cohort_per_month(self) -> float:
        """Young residents joining the labour force this month (at the run's scale)."""
        model = self.model
        census = model.spec.territory.census
        assert census is not None
        year = model.spec.run.start_year + model.month_index / 12.0
        share = census.age_ranges.share_per_age(0, year) if census.age_ranges else None
        cohort = self.population_now() * (CHILD_SHARE / 15.0 if share is None else share)
        return cohort * ENTRANT_ACTIVITY * model.scale / 12.0

    def _out_migrants(self, n: int) -> np.ndarray:
        """Rows of ``n`` residents leaving the territory, the unemployed and the young likelier.

        A weighted draw without replacement (the ``n`` largest of ``u ** (1 / weight)``), with
        one draw per resident whatever ``n`` (paired runs stay paired).
        """
        people = self.model.people
        draws = self._resident_draws()
        unemployed = is_in(people.status, (Status.SEEKER, Status.LONG_TERM))
        weight = np.where(unemployed, OUT_MIGRATION_WEIGHTS["unemployed"], 1.0) * np.where(
            people.age < YOUNG_MOVER_AGE, OUT_MIGRATION_WEIGHTS["young"], 1.0
        )
        keys = np.where(people.resident, draws ** (1.0 / weight), -1.0)
        n = min(n, people.residents())
        return np.sort(np.argsort(-keys, kind="stable")[:n])

    def newcomers(
        self, n: int, rng: np.random.Generator, young_share: float = YOUNG_ENTRANT_SHARE
    ) -> dict[str, np.ndarray]:
        """Age, skill, employability and qualification of ``n`` newcomers to the labour market.

        A share ``young_share`` of young entrants (whose skill rises with the years of the run),
        the others adults aged 25 to 50.
        ``rng`` is the caller's stream: the demography's for newcomers to the territory, the
        labour market's for in-commuters (:mod:`~ptce_sim.simulation.mechanisms.commuting`).
        """
        model = self.model
        territory = model.spec.territory
        young = rng.random(n) < young_share
        age = np.where(
            young,
            territory.entry_age + rng.uniform(0, 4, n),
            rng.uniform(max(25.0, territory.entry_age), 50.0, n),
        )
        years = model.month_index / 12.0
        gain = ENTRANT_SKILL_GAIN_PER_YEAR * years * young
        skill = np.clip(self.draw_skills(n, rng) + gain, 0.0, 1.0)
        employability = np.clip(rng.beta(5, 3, n), 0.05, 1.0)
        trades = qualifications.draw(skill, qualifications.posts_by_sector(model), rng)
        return {"age": age, "skill": skill, "employability": employability, "qualification": trades}

    def _resident_draws(self) -> np.ndarray:
        """One uniform draw per resident from the demography's stream (1 for in-commuters).

        Only residents draw, so the stream's sequence depends on the territory's labour force
        alone, not on how many in-commuters the pole's posts bring (paired runs stay paired).
        """
        people = self.model.people
        draws = np.ones(len(people))
        draws[people.resident] = self.model.streams.demography.random(people.residents())
        return draws

    def drift(self) -> None:
        """Long-term unemployment, discouragement, re-entry, and employability and skill drift."""
        model = self.model
        people = model.people
        rule = model.spec.labour_market
        mechanisms = model.spec.mechanisms
        now = model.month_index
        long_term = np.flatnonzero(
            (people.status == Status.SEEKER) & (now - people.since >= rule.long_term_months)
        )
        people.move(long_term, Status.LONG_TERM, now)
        people.ever_long_term[long_term] = True
        unemployed = is_in(people.status, (Status.SEEKER, Status.LONG_TERM))
        long_term_now = people.status == Status.LONG_TERM
        # the RSA proxy: a long-term seeker has been unemployed long_term_months before `since`
        spell = now - people.since + np.where(long_term_now, rule.long_term_months, 0)
        people.ever_unemployed_24m |= unemployed & (spell >= RSA_PROXY_MONTHS)
        discouraged = np.flatnonzero(
            long_term_now & (self._resident_draws() < rule.discouragement_rate)
        )
        people.move(discouraged, Status.INACTIVE, now)
        people.plie[discouraged] = False
        back = np.flatnonzero(
            (people.status == Status.INACTIVE) & (self._resident_draws() < rule.reentry_rate)
        )
        back = back[people.since[back] < now]
        people.move(back, Status.SEEKER, now)
        employed = is_in(people.status, EMPLOYED)
        e = people.employability
        e += np.where(employed, rule.employability_gain_employed * (1 - e), 0.0)
        e -= np.where(unemployed, rule.employability_loss_unemployed * e, 0.0)
        np.clip(e, 0.01, 1.0, out=e)
        for status, pathway in (
            (Status.GEIQ, mechanisms.geiq),
            (Status.INSERTION, mechanisms.work_integration),
        ):
            on = people.status == status
            if on.any():
                people.skill[on] = np.minimum(
                    1.0, people.skill[on] + pathway.skill_gain_per_year / 12
                )
                e[on] = np.minimum(1.0, e[on] + pathway.employability_gain_per_year / 12)
        people.skill[employed] = np.minimum(
            1.0, people.skill[employed] + rule.skill_gain_on_job_per_year / 12
        )
        qualifications.by_experience(model)
