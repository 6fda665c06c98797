"""Writing single features (OGC API - Features Part 4) with API keys, If-Match and history."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Query, Request, Response, status
from sqlalchemy.orm import Session

from app.api.deps import (
    Admin,
    CollectionDep,
    CollectionEditor,
    Editor,
    FeatureIdPath,
    OptionalCaller,
    SessionDep,
    in_session,
    parse_content_crs,
)
from app.api.render import base_url
from app.catalog import Collection
from app.core.responses import JSONResponse
from app.services import auth, editing

router = APIRouter(prefix="/collections", tags=["OGC API - Features - Part 4: editing"])

FeatureBody = Annotated[
    dict[str, Any],
    Body(
        media_type="application/geo+json",
        description="a GeoJSON Feature; a Polygon is accepted where the layer holds MultiPolygons",
    ),
]
PatchBody = Annotated[
    dict[str, Any],
    Body(
        media_type="application/merge-patch+json",
        description="a JSON merge patch (RFC 7396) of the feature: properties and/or geometry",
    ),
]
IfMatch = Annotated[
    str | None, Header(alias="If-Match", description="the ETag of the version you change")
]
ContentCrs = Annotated[
    str | None,
    Header(alias="Content-Crs", description="the body's CRS, as <URI>; CRS84 by default"),
]
MakeValid = Annotated[
    bool, Query(alias="make_valid", description="repair an invalid geometry with ST_MakeValid")
]
WRITE_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "no key, or a wrong or revoked one"},
    403: {"description": "the key's role may not change this collection"},
    409: {"description": "another feature has this code"},
    412: {"description": "If-Match names an older version"},
    413: {"description": "the body is larger than the limit (10 MB)"},
    422: {"description": "the feature breaks a rule of its layer: each problem is named"},
    428: {"description": "If-Match is required (CONTAMAP_REQUIRE_IF_MATCH)"},
}


def _options(
    request: Request, if_match: str | None, content_crs: str | None, make_valid: bool
) -> editing.WriteOptions:
    return editing.WriteOptions(
        crs=parse_content_crs(content_crs),
        if_match=if_match,
        make_valid=make_valid,
        require_if_match=request.app.state.settings.require_if_match,
    )


def _written(written: editing.Written, status_code: int, location: str | None = None) -> Response:
    headers = {"ETag": written.etag}
    if location:
        headers["Location"] = location
    if written.repaired:
        headers["Contamap-Geometry-Repaired"] = written.repaired
    return Response(
        written.body, status_code=status_code, media_type="application/geo+json", headers=headers
    )


@dataclass(frozen=True)
class _Change:
    """A PUT or PATCH of one feature: who asks, how, and the answer with the new ETag."""

    request: Request
    collection: Collection
    feature_id: str
    session: Session
    caller: auth.Caller
    if_match: str | None
    content_crs: str | None
    make_valid: bool

    def apply(self, write: Callable[..., editing.Written], body: Any) -> Response:
        options = _options(self.request, self.if_match, self.content_crs, self.make_valid)
        base = base_url(self.request)
        written = write(
            self.session, self.collection, self.feature_id, body, self.caller, options, base
        )
        return _written(written, status.HTTP_200_OK)


@router.post(
    "/{collectionId}/items",
    status_code=status.HTTP_201_CREATED,
    response_class=Response,
    responses={**WRITE_RESPONSES, 201: {"description": "the feature, its Location and ETag"}},
)
@in_session
def create_feature(
    request: Request,
    collection: CollectionDep,
    session: SessionDep,
    caller: CollectionEditor,
    feature: FeatureBody,
    content_crs: ContentCrs = None,
    make_valid: MakeValid = False,
) -> Response:
    """Add a feature; an id in the body is ignored, its code must be new."""
    options = _options(request, None, content_crs, make_valid)
    base = base_url(request)
    written = editing.create(session, collection, feature, caller, options, base)
    location = f"{base}/collections/{collection.id}/items/{written.feature_id}"
    return _written(written, status.HTTP_201_CREATED, location)


@router.put("/{collectionId}/items/{featureId}", response_class=Response, responses=WRITE_RESPONSES)
@in_session
def replace_feature(
    request: Request,
    collection: CollectionDep,
    feature_id: FeatureIdPath,
    session: SessionDep,
    caller: CollectionEditor,
    feature: FeatureBody,
    if_match: IfMatch = None,
    content_crs: ContentCrs = None,
    make_valid: MakeValid = False,
) -> Response:
    """Replace a feature's properties and geometry."""
    change = _Change(
        request, collection, feature_id, session, caller, if_match, content_crs, make_valid
    )
    return change.apply(editing.replace, feature)


@router.patch(
    "/{collectionId}/items/{featureId}", response_class=Response, responses=WRITE_RESPONSES
)
@in_session
def update_feature(
    request: Request,
    collection: CollectionDep,
    feature_id: FeatureIdPath,
    session: SessionDep,
    caller: CollectionEditor,
    patch: PatchBody,
    if_match: IfMatch = None,
    content_crs: ContentCrs = None,
    make_valid: MakeValid = False,
) -> Response:
    """Change some properties and/or the geometry: a JSON merge patch (null removes)."""
    change = _Change(
        request, collection, feature_id, session, caller, if_match, content_crs, make_valid
    )
    return change.apply(editing.update, patch)


@router.delete(
    "/{collectionId}/items/{featureId}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=WRITE_RESPONSES,
)
@in_session
def delete_feature(
    request: Request,
    collection: CollectionDep,
    feature_id: FeatureIdPath,
    session: SessionDep,
    caller: CollectionEditor,
    if_match: IfMatch = None,
) -> Response:
    """Delete a feature: gone from items, tiles and statistics, kept in its history."""
    editing.delete(
        session, collection, feature_id, caller, _options(request, if_match, None, False)
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{collectionId}/items/{featureId}/restore",
    response_class=Response,
    responses=WRITE_RESPONSES,
)
@in_session
def restore_feature(
    request: Request,
    collection: CollectionDep,
    feature_id: FeatureIdPath,
    session: SessionDep,
    caller: Admin,
) -> Response:
    """Bring a deleted feature back as it was (admin)."""
    written = editing.restore(session, collection, feature_id, caller, base_url(request))
    return _written(written, status.HTTP_200_OK)


@router.get(
    "/{collectionId}/items/{featureId}/history",
    responses={401: WRITE_RESPONSES[401], 403: WRITE_RESPONSES[403]},
)
@in_session
def feature_history(
    collection: CollectionDep, feature_id: FeatureIdPath, session: SessionDep, caller: Editor
) -> Response:
    """Every version of a feature, newest first: who, when, what kind, before and after."""
    versions = editing.history(session, collection, feature_id)
    body = {"collection": collection.id, "feature": feature_id, "versions": versions}
    return JSONResponse(body, headers={"Cache-Control": "private, no-store"})


def _allow(caller: auth.Caller | None, collection: Collection, item: bool) -> str:
    methods = ["GET", "HEAD", "OPTIONS"]
    if caller is not None and caller.may_edit(collection):
        methods += ["PUT", "PATCH", "DELETE"] if item else ["POST"]
    return ", ".join(methods)


@router.options("/{collectionId}/items", status_code=status.HTTP_204_NO_CONTENT)
async def items_options(collection: CollectionDep, caller: OptionalCaller) -> Response:
    """What the caller may do with the features: Allow (POST with an editor's key)."""
    allow = _allow(caller, collection, item=False)
    return Response(status_code=status.HTTP_204_NO_CONTENT, headers={"Allow": allow})


@router.options("/{collectionId}/items/{featureId}", status_code=status.HTTP_204_NO_CONTENT)
async def item_options(
    collection: CollectionDep, feature_id: FeatureIdPath, caller: OptionalCaller
) -> Response:
    """What the caller may do with the feature: Allow (PUT, PATCH, DELETE with a key)."""
    allow = _allow(caller, collection, item=True)
    return Response(status_code=status.HTTP_204_NO_CONTENT, headers={"Allow": allow})
