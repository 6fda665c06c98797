"""GET /health."""

import time
from typing import Any

from fastapi.testclient import TestClient

from app.core.config import Settings
from app.main import create_app
from tests.conftest import throwaway_database
from tests.servers import read_connections_held, two_read_connections


def test_health_counts_the_bundled_layers(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    # DATA.md: 78 Natural Earth features, one merged line, three incidents of May 2025.
    assert body["layers"]["districts"] == 78
    assert body["layers"]["line_of_contact"] == 1
    assert body["layers"]["incidents"] == 3
    assert body["layers"]["contaminated_zones"] > 0


def test_health_is_503_when_the_database_does_not_answer() -> None:
    # Port 9 (discard) has nothing listening: the connection is refused at once.
    settings = Settings(
        database_url="postgresql+psycopg://x:y@127.0.0.1:9/none", environment="test"
    )  # type: ignore[arg-type]
    with TestClient(create_app(settings)) as client:
        response = client.get("/health")
    assert response.status_code == 503
    assert response.json()["database"] == "unavailable"


def test_health_is_503_with_retry_after_when_the_database_is_down() -> None:
    settings = Settings(
        database_url="postgresql+psycopg://x:y@127.0.0.1:9/none", environment="test"
    )  # type: ignore[arg-type]
    with TestClient(create_app(settings)) as client:
        response = client.get("/health")
    assert response.status_code == 503
    assert response.headers["retry-after"] == "2"
    assert response.json()["status"] == "unavailable"


def test_health_says_run_contamap_migrate_on_an_empty_database() -> None:
    with throwaway_database() as url:
        settings = Settings(database_url=url, environment="test")  # type: ignore[arg-type]
        with TestClient(create_app(settings)) as client:
            response = client.get("/health")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "schema_outdated" and body["schema_revision"] is None
    assert "run contamap migrate" in body["detail"]


def test_health_answers_at_once_when_the_pool_is_full(database_url: str, engine: Any) -> None:
    settings = two_read_connections(database_url, timeout_s=5)
    # Both connections of the read pool held.
    with TestClient(create_app(settings)) as client, read_connections_held(client):
        started = time.monotonic()
        response = client.get("/health")
        elapsed = time.monotonic() - started
    assert response.status_code == 200
    assert response.json()["status"] == "busy" and response.json()["pool"] == "busy"
    assert elapsed < 2  # not the pool's 5 s wait
