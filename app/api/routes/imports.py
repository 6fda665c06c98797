"""POST /imports: a file of surveyed data into a layer, over HTTP (admin), all or nothing."""

import shutil
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Query, Request, UploadFile
from fastapi.responses import Response

from app.api.deps import CommaSeparated, SessionDep, caller_of
from app.core.responses import JSONResponse
from app.schemas.imports import ImportReport
from app.services import auth
from app.services.imports import ImportOptions, import_file, parse_mapping

MAX_UPLOAD_BYTES = 1024 * 1024 * 1024  # a file of surveyed polygons, not a request body
router = APIRouter(tags=["Imports"], max_body_size=MAX_UPLOAD_BYTES)
SUFFIXES = (".geojson", ".json", ".gpkg", ".zip", ".shp", ".fgb", ".kml", ".csv")


@router.post(
    "/imports",
    response_model=ImportReport,
    responses={
        401: {"description": "no key, or a wrong or revoked one"},
        403: {"description": "the key is not an admin's"},
        422: {"description": "rows break a rule: nothing was written; the report names them"},
    },
)
def post_import(
    request: Request,
    session: SessionDep,
    file: Annotated[UploadFile, File(description="GeoJSON, GeoPackage, zipped Shapefile, ...")],
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
    """Import a file (upserted by code) and answer with the report; 422 when refused."""
    caller = auth.require_role(caller_of(request, session), "admin")
    options = ImportOptions(
        source_layer=source_layer,
        crs=crs,
        mapping=parse_mapping(mapping or []),
        dry_run=dry_run,
        skip_invalid=skip_invalid,
        make_valid=make_valid,
        actor=caller.name,
    )
    name = Path(file.filename or "upload").name
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / (name if name.lower().endswith(SUFFIXES) else f"{name}.geojson")
        with path.open("wb") as target:
            shutil.copyfileobj(file.file, target, 1024 * 1024)
        report = import_file(session, layer, path, options)
    auth.record_use(session, caller)
    status = 422 if report.refused_whole_file else 200
    return JSONResponse(report.model_dump(mode="json"), status_code=status)
