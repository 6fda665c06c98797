"""Exports found wanting by an attack: a district's code taken for a path, and files that
stopped at 10,000 features."""

import tempfile
import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from tests.api.test_stats_geometry import WEST, add_district


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
