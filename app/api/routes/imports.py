"""POST /imports: a file of surveyed data into a layer, over HTTP (admin), all or nothing."""

import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from app.api.deps import Admin, CommaSeparated, SessionDep
from app.api.uploads import REQUEST_BODY, receive_file
from app.catalog import get_collection
from app.core.db import on_loop
from app.core.responses import JSONResponse
from app.crs import source_crs
from app.schemas.imports import ImportReport
from app.services import auth
from app.services.import_process import ReadLimits
from app.services.imports import SUFFIXES, ImportOptions, import_file, parse_mapping

MAX_UPLOAD_BYTES = 1024 * 1024 * 1024  # a file of surveyed polygons, not a request body
router = APIRouter(tags=["Imports"], max_body_size=MAX_UPLOAD_BYTES)


@router.post(
    "/imports",
    response_model=ImportReport,
    responses={
        200: {"description": "the import report"},
        401: {"description": "no key, or a wrong or revoked one"},
        403: {"description": "the key is not an admin's"},
        413: {"description": "the file is too large to read (unpacked, or in time or memory)"},
        422: {"description": "rows break a rule: nothing was written; the report names them"},
    },
    openapi_extra={"requestBody": REQUEST_BODY},
)
async def post_import(
    request: Request,
    session: SessionDep,
    caller: Admin,  # checked before a byte of the body is read
    layer: Annotated[str, Query(description="the collection to import into")],
    source_layer: Annotated[
        str | None, Query(description="the file's layer, when it holds several")
    ] = None,
    crs: Annotated[str | None, Query(description="the file's CRS when it does not say")] = None,
    mapping: Annotated[
        list[str] | None,
        CommaSeparated,
        Query(alias="map", description="property=column pairs, comma-separated"),
    ] = None,
    dry_run: Annotated[bool, Query(description="check and report, write nothing")] = False,
    skip_invalid: Annotated[bool, Query(description="write the good rows only")] = False,
    make_valid: Annotated[bool, Query(description="repair invalid geometries")] = False,
) -> Response:
    """Import a file (upserted by code) and answer with the report; 422 when refused.

    The file goes as multipart/form-data in the field `file`; its name tells its format.
    """
    get_collection(layer)  # an unknown layer is refused before the body is read
    options = ImportOptions(
        source_layer=source_layer,
        crs=source_crs(crs),
        mapping=parse_mapping(mapping or []),
        dry_run=dry_run,
        skip_invalid=skip_invalid,
        make_valid=make_valid,
        actor=caller.name,
        limits=ReadLimits.from_settings(request.app.state.settings),
    )
    with tempfile.TemporaryDirectory(prefix="contamap-upload-") as folder:
        path = await receive_file(request, Path(folder), SUFFIXES, ".geojson")
        report = await on_loop(import_file, session, layer, path, options)
    await on_loop(auth.record_use, session, caller)
    status = 422 if report.refused_whole_file else 200
    return JSONResponse(report.model_dump(mode="json"), status_code=status)
