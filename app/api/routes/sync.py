"""POST /sync: an edited district package back from the field, applied where it changed."""

import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile

from app.api.deps import SessionDep, caller_of, in_session
from app.api.render import base_url
from app.core.db import off_loop
from app.errors import PayloadTooLarge
from app.schemas.sync import SyncReport
from app.services import auth
from app.services.auth import Caller
from app.services.sync import SyncOptions, sync_package

MAX_PACKAGE_BYTES = 256 * 1024 * 1024  # a district's package is a few MB; the country's, ~60
CHUNK = 1024 * 1024
router = APIRouter(tags=["Imports"], max_body_size=MAX_PACKAGE_BYTES)


@in_session
def syncer(request: Request, session: SessionDep) -> Caller:
    """A caller whose role may edit some layer (an operator or above): else 401 or 403. Each
    feature a sync writes is checked again against its layer and organisation."""
    return auth.require_role(caller_of(request, session), "operator")


Syncer = Annotated[Caller, Depends(syncer)]


def _saved(file: UploadFile, folder: str) -> Path:
    """The upload in a file of ours (its name is never used), refused past the bound."""
    path = Path(folder) / "package.gpkg"
    written = 0
    with path.open("wb") as target:
        while chunk := file.file.read(CHUNK):
            written += len(chunk)
            if written > MAX_PACKAGE_BYTES:
                raise PayloadTooLarge(f"a package is at most {MAX_PACKAGE_BYTES // CHUNK} MB")
            target.write(chunk)
    return path


@router.post(
    "/sync",
    response_model=SyncReport,
    responses={
        400: {"description": "the file is not a Contamap district package (GeoPackage)"},
        401: {"description": "no key, or a wrong or revoked one"},
        403: {"description": "the key may not change a feature the file changed: nothing written"},
        409: {"description": "a new feature's code is taken: nothing was written"},
        413: {"description": "the file is larger than the limit (256 MB)"},
        422: {"description": "a changed feature breaks a rule: nothing was written"},
    },
)
@in_session
def post_sync(
    request: Request,
    session: SessionDep,
    caller: Syncer,
    file: Annotated[UploadFile, File(description="the edited district package (.gpkg)")],
    dry_run: Annotated[bool, Query(description="report, write nothing")] = False,
    delete: Annotated[
        bool, Query(description="delete the features deleted in the file (else reported)")
    ] = False,
    dry_run_field: Annotated[bool, Form(alias="dry_run", description="the same")] = False,
    delete_field: Annotated[bool, Form(alias="delete", description="the same")] = False,
) -> SyncReport:
    """Apply an edited district package: the features changed in the file are written where
    the server still has the version they were exported at; both versions of each conflict,
    and the features deleted in the file, are reported. All or nothing, conflicts excepted."""
    options = SyncOptions(dry_run=dry_run or dry_run_field, delete=delete or delete_field)
    with tempfile.TemporaryDirectory(prefix="contamap-sync-") as folder:
        path = off_loop(_saved, file, folder)  # copied in a thread
        return sync_package(session, path, caller, options, base_url(request))
