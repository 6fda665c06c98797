"""Every collection of the catalogue has the table, columns, CHECKs and triggers it needs, as
the migrations built them: a layer added to the catalogue without them fails here."""

from typing import Any

import pytest
from sqlalchemy import Engine, inspect, text

from app.catalog import COLLECTIONS, Collection

TYPES = {
    "string": ("TEXT",),
    "integer": ("INTEGER", "BIGINT"),
    "date": ("DATE",),
    "array": ("ARRAY",),
    "boolean": ("BOOLEAN",),
}
# What every layer has (layer_install, migrations/sql/layer_install.v1.sql).
EVERY_LAYER = ("version", "history", "history_update")


def _columns(engine: Engine, table: str) -> dict[str, dict[str, Any]]:
    return {column["name"]: column for column in inspect(engine).get_columns(table)}


def _checks(engine: Engine, table: str) -> dict[str, str]:
    return {
        check["name"]: check["sqltext"] for check in inspect(engine).get_check_constraints(table)
    }


@pytest.mark.parametrize("collection", COLLECTIONS.values(), ids=list(COLLECTIONS))
def test_each_stored_property_has_its_column_of_its_type(
    engine: Engine, collection: Collection
) -> None:
    columns = _columns(engine, collection.id)
    for prop in collection.properties:
        if prop.computed and prop.name not in columns:
            continue  # computed at read time (a district's name)
        column = columns[prop.name]
        assert str(column["type"]) in TYPES[prop.type], (prop.name, column["type"])
        if prop.required:
            assert not column["nullable"], prop.name
        elif not prop.computed:
            assert column["nullable"] or column["default"] is not None, prop.name
    assert columns["geom"]["nullable"] is (not collection.geometry_required)


@pytest.mark.parametrize("collection", COLLECTIONS.values(), ids=list(COLLECTIONS))
def test_each_vocabulary_and_minimum_is_a_check_of_the_table(
    engine: Engine, collection: Collection
) -> None:
    checks = _checks(engine, collection.id)
    for prop in collection.properties:
        if prop.enum is not None:
            sql = checks.get(f"ck_{collection.id}_{prop.name}", "")
            assert sql, f"{collection.id}.{prop.name} has no CHECK of its values"
            for value in prop.values:
                assert f"'{value}'" in sql, (prop.name, value)
        if prop.minimum is not None:
            assert any(f"{prop.name} >= {prop.minimum}" in sql for sql in checks.values()), (
                prop.name
            )


@pytest.mark.parametrize("collection", COLLECTIONS.values(), ids=list(COLLECTIONS))
def test_each_collection_has_every_trigger_it_needs(engine: Engine, collection: Collection) -> None:
    with engine.connect() as conn:
        triggers = set(
            conn.scalars(
                text(
                    "SELECT tgname FROM pg_trigger WHERE tgrelid = CAST(:table AS regclass) "
                    "AND NOT tgisinternal"
                ),
                {"table": collection.id},
            )
        )
    needed = {f"{collection.id}_{name}" for name in EVERY_LAYER}
    computed = {prop.name for prop in collection.properties if prop.computed}
    if "district_id" in computed:
        needed.add(f"{collection.id}_district")  # the district computed from the point
    if "organisation" in computed:
        needed.add(f"{collection.id}_organisation")  # the task's organisation
    assert needed <= triggers, needed - triggers
    with engine.connect() as conn:
        versioned = conn.scalar(
            text("SELECT count(*) FROM layer_versions WHERE layer = :layer"),
            {"layer": collection.id},
        )
    assert versioned == 1
