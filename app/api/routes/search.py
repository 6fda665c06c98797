"""GET /search: districts and settlements by name, for the map's search box and any client."""

from typing import Annotated

from fastapi import APIRouter, Query

from app.api.deps import SessionDep, in_session
from app.schemas.places import SearchResults
from app.services import places

router = APIRouter(tags=["Search"])


@router.get("/search", response_model=SearchResults)
@in_session
def search(
    session: SessionDep,
    q: Annotated[
        str,
        Query(
            min_length=1,
            max_length=100,
            description="the start of a name, English or Azerbaijani, diacritics optional",
        ),
    ],
    limit: Annotated[int, Query(ge=1, le=50, description="places at most")] = 10,
) -> SearchResults:
    """Places whose name or other names start with q (Susa finds Şuşa): exact first, then
    districts, then settlements by population."""
    return places.search(session, q, limit)
