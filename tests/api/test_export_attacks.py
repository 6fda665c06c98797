"""Exports found wanting by an attack: a district's code taken for a path, and files that
stopped at 10,000 features."""

import tempfile
import uuid
from pathlib import Path

import pyogrio
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from tests.api.test_stats_geometry import WEST, add_district
from tests.conftest import in_transaction


@pytest.mark.parametrize("code", ["geonames:1/2", "../../../../../../{tmp}/{escape}"])
def test_a_district_code_is_never_a_path(client: TestClient, session: Session, code: str) -> None:
    """The package is named after the district's name, made a safe file name; its code (which
    an admin's import sets) cannot write a file anywhere."""
    escape = f"contamap-escape-{uuid.uuid4().hex}"
    code = code.format(tmp=tempfile.gettempdir().strip("/"), escape=escape)
    district = add_district(session, WEST, name="Ağcabədi / ../Şəki")
    session.execute(
        text("UPDATE districts SET code = :code WHERE id = :id"), {"code": code, "id": district}
    )
    response = client.get(f"/stats/districts/{district}/package")
    assert not list(Path(tempfile.gettempdir()).glob(f"{escape}*"))  # nothing written there
    assert response.status_code == 200, response.text
    assert response.headers["content-disposition"].endswith('filename="agcabedi-seki.gpkg"')
    assert response.content.startswith(b"SQLite format 3\x00")


def test_a_bundled_district_package_is_named_after_the_district(client: TestClient) -> None:
    aghdam = client.get("/collections/districts/items", params={"name": "Aghdam"}).json()
    response = client.get(f"/stats/districts/{aghdam['features'][0]['id']}/package")
    assert response.status_code == 200
    assert response.headers["content-disposition"].endswith('filename="aghdam.gpkg"')


MANY = 10_050  # more than the old cap of 10,000
MANY_INCIDENTS = text(
    "INSERT INTO incidents (code, occurred_on, device, activity, killed, injured, "
    "victim_category, location_accuracy, source, geom) SELECT 'MANY-' || i, date '2024-01-01', "
    "'uxo', 'farming', 0, 1, 'civilian', 'surveyed', 'test', ST_SetSRID(ST_MakePoint("
    "3 + (i % 100) * 0.001, 0.2 + (i / 100) * 0.001), 4326) FROM generate_series(1, :n) AS i"
)


@pytest.mark.parametrize("fmt", ["gpkg", "fgb"])
def test_a_file_export_holds_every_matching_feature(
    client: TestClient, session: Session, tmp_path: Path, fmt: str
) -> None:
    """10,050 incidents in the Gulf of Guinea, outside every district: all of them in the file."""
    session.execute(MANY_INCIDENTS, {"n": MANY})
    params = {"f": fmt, "bbox": "2.9,0.1,3.2,0.4", "properties": "code"}
    response = client.get("/collections/incidents/items", params=params)
    assert response.status_code == 200, response.text
    path = tmp_path / f"many.{fmt}"
    path.write_bytes(response.content)
    frame = pyogrio.read_dataframe(path)
    assert len(frame) == MANY
    assert set(frame["code"]) == {f"MANY-{i}" for i in range(1, MANY + 1)}
    limited = client.get("/collections/incidents/items", params={**params, "limit": 5})
    (tmp_path / f"five.{fmt}").write_bytes(limited.content)
    assert len(pyogrio.read_dataframe(tmp_path / f"five.{fmt}")) == 5  # a limit asked is kept


def test_a_file_export_is_bounded_by_time(database_url: str, session: Session) -> None:
    """Past CONTAMAP_EXPORT_TIMEOUT_S the export stops with a 400 that says how to narrow it."""
    session.execute(MANY_INCIDENTS, {"n": MANY})
    with in_transaction(database_url, session, export_timeout_s=0.001) as client:
        response = client.get(
            "/collections/incidents/items", params={"f": "gpkg", "bbox": "2.9,0.1,3.2,0.4"}
        )
    assert response.status_code == 400
    assert "narrow it" in response.json()["description"]
