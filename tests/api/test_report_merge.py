"""Merging a resident's report into an existing zone or incident: the report is decided, the
step names the editor and the feature, the feature is not changed, the receipt tells
"verified"."""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.models import Report
from tests.api.test_reports import bearer, keys, send

__all__ = ["keys"]  # the fixture, imported for these tests


def _newest(client: TestClient, key: str) -> int:
    return int(client.get("/reports", headers=bearer(key)).json()["reports"][0]["id"])


def _first_id(client: TestClient, collection: str) -> int:
    features = client.get(f"/collections/{collection}/items", params={"limit": 1}).json()
    return int(features["features"][0]["id"])


@pytest.mark.parametrize("collection", ["contaminated_zones", "incidents"])
def test_a_report_merged_into_a_feature_names_it_and_leaves_it_unchanged(
    client: TestClient, keys: dict[str, str], collection: str
) -> None:
    receipt = send(client, description="the same field as the mapped one").json()["receipt"]
    report_id = _newest(client, keys["editor"])
    feature_id = _first_id(client, collection)
    item = f"/collections/{collection}/items/{feature_id}"
    before = client.get(item)
    history = client.get(f"{item}/history", headers=bearer(keys["editor"])).json()["versions"]
    merged = client.post(
        f"/reports/{report_id}/merge",
        json={"collection": collection, "feature_id": feature_id},
        headers=bearer(keys["editor"]),
    )
    assert merged.status_code == 200, merged.text
    report = merged.json()
    assert report["status"] == "merged" and report["merged_into"] == collection
    assert report["verified_as"] is None
    assert report["feature"] == f"http://testserver{item}"
    assert [e["action"] for e in report["events"]] == ["received", "merged"]
    assert report["events"][1]["actor"] == "reports editor"
    assert report["events"][1]["detail"] == {"collection": collection, "feature_id": feature_id}
    after = client.get(item)
    assert after.content == before.content and after.headers["etag"] == before.headers["etag"]
    versions = client.get(f"{item}/history", headers=bearer(keys["editor"])).json()["versions"]
    assert versions == history
    assert client.get(f"/reports/status/{receipt}").json() == {"status": "verified"}
    again = client.post(
        f"/reports/{report_id}/merge",
        json={"collection": collection, "feature_id": feature_id},
        headers=bearer(keys["editor"]),
    )
    assert again.status_code == 409
    rejected = client.post(
        f"/reports/{report_id}/reject", json={"reason": "twice"}, headers=bearer(keys["editor"])
    )
    assert rejected.status_code == 409
    merged_only = client.get(
        "/reports", params={"status": "merged"}, headers=bearer(keys["editor"])
    ).json()
    assert report_id in [r["id"] for r in merged_only["reports"]]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"collection": "contaminated_zones", "feature_id": 2_000_000_000}, 404),
        ({"collection": "incidents", "feature_id": 2_000_000_000}, 404),
        ({"collection": "districts", "feature_id": 1}, 400),
        ({"collection": "incidents", "feature_id": 0}, 400),
        ({"collection": "incidents"}, 400),
        ({"collection": "incidents", "feature_id": 1, "note": "x"}, 400),
    ],
)
def test_a_bad_merge_is_a_4xx_and_changes_nothing(
    client: TestClient,
    session: Session,
    keys: dict[str, str],
    body: dict[str, Any],
    code: int,
) -> None:
    send(client)
    report_id = _newest(client, keys["editor"])
    answer = client.post(f"/reports/{report_id}/merge", json=body, headers=bearer(keys["editor"]))
    assert answer.status_code == code, answer.text
    stored = session.get(Report, report_id)
    assert stored is not None and stored.status == "received" and stored.feature_id is None
    events = client.get(f"/reports/{report_id}", headers=bearer(keys["editor"])).json()["events"]
    assert [e["action"] for e in events] == ["received"]


def test_merging_needs_an_editor_and_a_known_report(
    client: TestClient, keys: dict[str, str]
) -> None:
    send(client)
    report_id = _newest(client, keys["editor"])
    body = {"collection": "incidents", "feature_id": _first_id(client, "incidents")}
    assert client.post(f"/reports/{report_id}/merge", json=body).status_code == 401
    unknown = client.post("/reports/999999/merge", json=body, headers=bearer(keys["editor"]))
    assert unknown.status_code == 404
