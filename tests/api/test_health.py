"""GET /health."""

from fastapi.testclient import TestClient

from app.core.config import Settings
from app.main import create_app


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
    settings = Settings(database_url="postgresql+psycopg://x:y@127.0.0.1:9/none")  # type: ignore[arg-type]
    with TestClient(create_app(settings)) as client:
        response = client.get("/health")
    assert response.status_code == 503
    assert response.json()["database"] == "unavailable"
