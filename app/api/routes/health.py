"""GET /health."""

from fastapi import APIRouter, Response

from app.api.deps import SessionDep
from app.schemas.health import Health
from app.services import health

router = APIRouter(tags=["Health"])


@router.get("/health", response_model=Health, responses={503: {"model": Health}})
def get_health(session: SessionDep, response: Response) -> Health:
    """Whether the service and its database answer, with the number of features per layer."""
    result = health.check(session)
    if result.database != "ok":
        response.status_code = 503
    response.headers["Cache-Control"] = "no-store"
    return result
