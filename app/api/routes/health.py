"""GET /health."""

from fastapi import APIRouter, Request, Response

from app.errors import RETRY_AFTER_S
from app.schemas.health import Health
from app.services import health

router = APIRouter(tags=["Health"])


@router.get("/health", response_model=Health, responses={503: {"model": Health}})
def get_health(request: Request, response: Response) -> Health:
    """Whether the database answers (on a connection of its own), its schema is current and the
    read pool has room, with the number of features per layer; 503 when it cannot serve."""
    state = request.app.state
    result = health.check(state.probe_engine, state.read_engine)
    if result.status in ("unavailable", "schema_outdated"):
        response.status_code = 503
        response.headers["Retry-After"] = RETRY_AFTER_S
    response.headers["Cache-Control"] = "no-store"
    return result
