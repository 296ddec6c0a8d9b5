"""Column tables (:mod:`ptce_sim.simulation.tables`) and the persons' views built on them."""

from __future__ import annotations

import mesa
import numpy as np
import pytest

from ptce_sim.simulation.agents.firms import ClassicFirm, FirmTable
from ptce_sim.simulation.agents.persons import NO_ORG, Person, PersonTable, Status
from ptce_sim.simulation.model import PtceModel
from ptce_sim.simulation.tables import Column, ColumnTable, reserve_unique_ids
from tests.helpers import base_scenario


class Things(ColumnTable):
    """A small table: one required column and three with defaults."""

    columns = {
        "uid": Column(np.dtype(np.int64)),
        "size": Column(np.dtype(np.float64), 1.5),
        "owner": Column(np.dtype(np.int32), -1),
        "open": Column(np.dtype(np.bool_), True),
    }


def _check_aligned(table: ColumnTable) -> None:
    for name, column in table.columns.items():
        values = getattr(table, name)
        assert isinstance(values, np.ndarray) and values.ndim == 1, name
        assert values.dtype == column.dtype, name
        assert values.size == len(table), name


def test_new_table_is_empty_with_typed_columns():
    """A new table has every column, empty and of its dtype."""
    things = Things()
    assert len(things) == 0
    _check_aligned(things)
    assert things.lengths() == {"uid": 0, "size": 0, "owner": 0, "open": 0}


def test_add_fills_defaults_and_casts_to_the_column_dtype():
    """Added rows take the given values, cast, and the other columns' defaults."""
    things = Things()
    rows = things.add(uid=[10, 11, 12], owner=np.array([3.0, 4.0, 5.0]))
    assert rows.tolist() == [0, 1, 2]
    _check_aligned(things)
    assert things.owner.tolist() == [3, 4, 5]
    assert things.size.tolist() == [1.5, 1.5, 1.5]
    assert things.open.tolist() == [True, True, True]
    more = things.add(uid=np.array([13]), open=np.array([False]))
    assert more.tolist() == [3]
    _check_aligned(things)
    assert things.uid.tolist() == [10, 11, 12, 13]
    assert things.open.tolist() == [True, True, True, False]
    assert things.owner.tolist() == [3, 4, 5, -1]


def test_add_of_no_rows_changes_nothing():
    """Adding zero rows is allowed and changes nothing."""
    things = Things()
    things.add(uid=[1, 2])
    assert things.add(uid=np.empty(0, dtype=np.int64)).size == 0
    assert len(things) == 2
    _check_aligned(things)


def test_drop_keeps_the_order_and_the_columns_aligned():
    """Dropped rows go from every column; the others keep their order."""
    things = Things()
    things.add(uid=np.arange(6), size=np.arange(6) * 10.0, owner=np.arange(6) + 100)
    things.drop(np.array([4, 1]))
    _check_aligned(things)
    assert things.uid.tolist() == [0, 2, 3, 5]
    assert things.size.tolist() == [0.0, 20.0, 30.0, 50.0]
    assert things.owner.tolist() == [100, 102, 103, 105]
    things.drop(np.empty(0, dtype=np.int64))
    assert len(things) == 4
    things.drop(np.arange(4))
    assert len(things) == 0
    _check_aligned(things)


def test_columns_are_plain_arrays_assigned_in_place():
    """Columns are numpy arrays the rules update in place."""
    things = Things()
    things.add(uid=np.arange(4))
    size = things.size
    size += 1.0
    things.owner[[0, 2]] = 7
    assert things.size.tolist() == [2.5] * 4
    assert things.owner.tolist() == [7, -1, 7, -1]


@pytest.mark.parametrize(
    "columns, message",
    [
        ({"uid": [1, 2], "colour": [0, 0]}, "no column colour"),
        ({"uid": [1, 2], "size": [1.0]}, "one length"),
        ({"uid": [[1, 2]]}, "1-D"),
        ({"uid": 3}, "1-D"),
        ({"size": [1.0, 2.0]}, "without a default must be given: uid"),
        ({"uid": [1, 2], "owner": ["a", "b"]}, "invalid literal"),
        ({}, "at least one column"),
    ],
)
def test_add_refuses_bad_columns_and_leaves_the_table_as_it_was(columns, message):
    """Unknown, ragged, non-1-D or missing required columns: refused, table unchanged."""
    things = Things()
    things.add(uid=[0])
    with pytest.raises(ValueError, match=message):
        things.add(**columns)
    assert len(things) == 1
    _check_aligned(things)


def test_reserved_ids_advance_mesa_counter():
    """Reserved ids are those Mesa would have given; the next agent gets the one after."""
    model = mesa.Model(rng=0)
    first = mesa.Agent(model)
    ids = reserve_unique_ids(model, 3)
    after = mesa.Agent(model)
    assert ids.tolist() == [first.unique_id + 1, first.unique_id + 2, first.unique_id + 3]
    assert after.unique_id == first.unique_id + 4
    assert len(model.agents) == 2


@pytest.fixture(scope="module")
def model() -> PtceModel:
    """A small model a few years into its run."""
    model = PtceModel(base_scenario(0.05), 3)
    for _ in range(40):
        model.step()
    return model


def test_tables_are_column_tables(model: PtceModel):
    """Persons and firms are column tables, their columns aligned."""
    assert isinstance(model.people, PersonTable) and isinstance(model.people, ColumnTable)
    assert isinstance(model.firms, FirmTable) and isinstance(model.firms, ColumnTable)
    for table in (model.people, model.firms):
        _check_aligned(table)


def test_persons_are_not_mesa_agents(model: PtceModel):
    """No person is a Mesa agent nor has a Mesa agent's id; firms still are agents."""
    assert not any(isinstance(a, Person) for a in model.agents)
    mesa_ids = [a.unique_id for a in model.agents]
    assert not np.isin(model.people.uid, mesa_ids).any()
    assert np.all(np.diff(model.people.uid) > 0)
    assert model.people.uid.max() < model.agent_id_counter
    # the firms still are (views registered as organisations), with ids after the first persons'
    firms = [a for a in model.agents if isinstance(a, ClassicFirm)]
    assert len(firms) == len(model.firms)


def test_first_ids_are_the_persons_then_the_organisations():
    """Ids are given in the order used when each person was a Mesa agent.

    Authorities, residents, then firms, the in-commuters seated in the firms at set-up, and the
    structures.
    """
    model = PtceModel(base_scenario(0.05), 0)
    people = model.people
    n = people.residents()
    authorities = [a.unique_id for a in model.authorities]
    assert authorities == list(range(1, len(authorities) + 1))
    first = len(authorities) + 1
    assert people.uid[people.resident].tolist() == list(range(first, first + n))
    firm_ids = [model.orgs[o].unique_id for o in model.firms.org.tolist()]
    assert min(firm_ids) == first + n
    commuters = people.uid[~people.resident]
    assert commuters.size and commuters.min() > max(firm_ids)
    assert model.agent_id_counter == first + len(people) + len(model.firms) + len(model.structures)


def test_person_view_reports_its_row(model: PtceModel):
    """A view built on demand reports the values of its row."""
    people = model.people
    for row in (0, len(people) // 2, len(people) - 1):
        uid = int(people.uid[row])
        person = people.person(model, uid)
        assert person == Person(model, uid)
        assert person.unique_id == uid
        assert person.status == Status(int(people.status[row]))
        assert person.age == float(people.age[row])
        assert person.skill == float(people.skill[row])
        assert person.employability == float(people.employability[row])
        employer = int(people.employer[row])
        if employer == NO_ORG:
            assert person.employer is None
        else:
            assert person.employer is model.orgs[employer]
        assert person.pathway[-1].status == person.status
        assert person.pathway == people.pathway(uid, model.month_index)
    assert not any(isinstance(a, Person) for a in model.agents)


def test_person_view_follows_the_table_and_fails_once_retired():
    """A view reads the table at each access; once the person retired, KeyError."""
    model = PtceModel(base_scenario(0.05), 1)
    people = model.people
    uid = int(people.uid[1])
    person = Person(model, uid)
    people.age[1] += 1.0
    assert person.age == float(people.age[1])
    people.remove(np.array([1]), model.month_index)
    with pytest.raises(KeyError):
        person.age  # noqa: B018
    with pytest.raises(KeyError):
        people.person(model, uid)
    _check_aligned(people)
    rows = people.add(
        model,
        {
            "status": np.array([Status.SEEKER], dtype=np.int8),
            "age": np.array([30.0]),
            "skill": np.array([0.5]),
            "employability": np.array([0.5]),
        },
    )
    assert int(people.uid[rows[0]]) == model.agent_id_counter - 1
    assert people.person(model, int(people.uid[rows[0]])).status == Status.SEEKER
    _check_aligned(people)
