"""A new layer is its catalogue entry, its model and its migration: three files, no other.

In a scratch copy of the project, a `wells` layer (points with a depth) is added by exactly
that: an entry appended to `app/catalog.py`, a model class appended to `app/models/layers.py`,
and a migration that creates its table and calls `layer_install`. A fresh database migrated
from the copy then serves it as every other layer is served: listed, filtered by a property
and by CQL2, in the OpenAPI, in a vector tile, and with its version and history triggers.
"""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import mapbox_vector_tile

from tests.conftest import throwaway_database

ROOT = Path(__file__).resolve().parents[1]

ENTRY = """
COLLECTIONS["wells"] = Collection(
    id="wells",
    title="Wells",
    description="Water wells that survey teams checked.",
    tile_description="Water wells",
    geometry_type="Point",
    properties=(
        CODE,
        Property("name", "string", "name", required=True),
        Property("depth_m", "integer", "depth in metres", minimum=0),
        SOURCE,
    ),
    keywords=("water",),
    package=None,
)
"""

MODEL = '''

class Well(Layer):
    """A water well."""

    __tablename__ = "wells"

    name: Mapped[str] = mapped_column(Text)
    depth_m: Mapped[int | None] = mapped_column(Integer)

    @classmethod
    def checks(cls) -> tuple[CheckConstraint, ...]:
        """Depth not negative."""
        return (CheckConstraint("depth_m IS NULL OR depth_m >= 0", name="depth_m"),)
'''

MIGRATION = '''"""Wells.

Revision ID: 9001
Revises: {head}
Create Date: 2026-12-07 15:00:00
"""

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision = "9001"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_geospatial_table(
        "wells",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code", sa.Text(), nullable=False, unique=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("depth_m", sa.Integer()),
        sa.Column("geom", Geometry("POINT", srid=4326, spatial_index=False), nullable=False),
        sa.CheckConstraint("depth_m IS NULL OR depth_m >= 0", name="ck_wells_depth_m"),
    )
    op.create_geospatial_index("idx_wells_geom", "wells", ["geom"], postgresql_using="gist")
    op.execute("SELECT layer_install('wells')")


def downgrade() -> None:
    op.drop_table("wells")
'''

# Run inside the copy: migrate a fresh database, add two wells, and ask the app.
PROBE = """
import json, sys
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from app.cli import alembic_config
from app.core.config import Settings
from app.main import create_app

url = sys.argv[1]
command.upgrade(alembic_config(url), "head")
engine = create_engine(url)
with engine.begin() as conn:
    conn.execute(text(
        "INSERT INTO wells (code, name, depth_m, source, geom) VALUES "
        "('W-1', 'Deep well', 80, 'test', ST_SetSRID(ST_MakePoint(46.75, 39.75), 4326)), "
        "('W-2', 'Shallow well', 12, 'test', ST_SetSRID(ST_MakePoint(46.80, 39.70), 4326))"
    ))
    triggers = sorted(conn.scalars(text(
        "SELECT tgname FROM pg_trigger WHERE tgrelid = 'wells'::regclass AND NOT tgisinternal"
    )))
    history = conn.scalar(text(
        "SELECT count(*) FROM feature_history WHERE collection = 'wells' AND action = 'create'"
    ))
with TestClient(create_app(Settings(database_url=url, environment="test"))) as client:
    def codes(**params):
        answer = client.get("/collections/wells/items", params=params)
        return [f["properties"]["code"] for f in answer.json()["features"]]
    tile = client.get("/collections/wells/tiles/WebMercatorQuad/10/388/644")
    print(json.dumps({
        "collections": [c["id"] for c in client.get("/collections").json()["collections"]],
        "all": codes(),
        "by_name": codes(name="Deep well"),
        "by_cql2": codes(filter="depth_m < 50"),
        "bad_depth": client.get("/collections/wells/items", params={"depth_m": "deep"}).status_code,
        "openapi": "wells" in client.get("/api").text,
        "tile_status": tile.status_code,
        "tile": tile.content.hex(),
        "triggers": triggers,
        "history": history,
    }))
"""


def _scratch_copy(tree: Path) -> list[str]:
    """The project copied, with the wells layer added; the files the layer touched."""
    shutil.copytree(ROOT / "app", tree / "app", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(
        ROOT / "migrations", tree / "migrations", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy(ROOT / "alembic.ini", tree)
    catalog = tree / "app" / "catalog.py"
    catalog.write_text(catalog.read_text() + ENTRY)
    models = tree / "app" / "models" / "layers.py"
    models.write_text(models.read_text() + MODEL)
    head = subprocess.run(
        [
            sys.executable,
            "-c",
            "from app.cli import alembic_config; from alembic.script import "
            "ScriptDirectory; print(ScriptDirectory.from_config(alembic_config('x')).get_current_head())",
        ],
        cwd=tree,
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    migration = tree / "migrations" / "versions" / "2026_12_07_9001_wells.py"
    migration.write_text(MIGRATION.format(head=head))
    changed = subprocess.run(
        ["diff", "-rq", str(ROOT / "app"), str(tree / "app"), "-x", "__pycache__"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.splitlines()
    return [*changed, f"Only in new: {migration.name}"]


def test_a_new_layer_is_its_entry_its_model_and_its_migration(tmp_path: Path) -> None:
    tree = tmp_path / "project"
    touched = _scratch_copy(tree)
    assert len(touched) == 3, touched  # catalog.py, models/layers.py, the migration
    with throwaway_database() as url:
        run = subprocess.run(
            [sys.executable, "-c", PROBE, url],
            cwd=tree,
            env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    assert run.returncode == 0, run.stderr[-3000:]
    seen = json.loads(run.stdout.splitlines()[-1])
    assert "wells" in seen["collections"]
    assert sorted(seen["all"]) == ["W-1", "W-2"]
    assert seen["by_name"] == ["W-1"]
    assert seen["by_cql2"] == ["W-2"]
    assert seen["bad_depth"] == 400  # its integer property is checked like any other
    assert seen["openapi"]
    # Tile z10 row 388 column 644 holds W-1 at (46.75, 39.75), not W-2 at (46.80, 39.70):
    # 644 = floor((46.75 + 180) / 360 * 1024), W-2's column is 645 (floor(645.0)), and both
    # rows are floor((1 - asinh(tan(lat)) / π) / 2 * 1024) = 388.
    assert seen["tile_status"] == 200
    layers = mapbox_vector_tile.decode(bytes.fromhex(seen["tile"]))
    assert [f["properties"]["code"] for f in layers["wells"]["features"]] == ["W-1"]
    assert len(seen["triggers"]) >= 2  # its version and its history, from layer_install
    assert seen["history"] == 2
