"""Residents' reports: anyone may send one and look up its status by receipt; editors and
admins read the queue, the photos, and verify or reject each report."""

from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Depends, Path, Query, Request, Response, status
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from app.api.deps import Editor, SessionDep, in_session
from app.api.render import base_url
from app.errors import InvalidParameterValue, PayloadTooLarge
from app.schemas.reports import (
    ReportCreate,
    ReportList,
    ReportMerge,
    ReportRead,
    ReportReceipt,
    ReportReject,
    ReportStatus,
    ReportStatusRead,
    ReportVerify,
)
from app.services import report_webhook, reports
from app.services.report_limits import ReportLimits
from app.services.report_photos import PHOTO_MAX_BYTES, PHOTO_MAX_PIXELS, PHOTO_MEDIA_TYPE

router = APIRouter(prefix="/reports", tags=["Reports"])

# The body of a report: the photo, at most 8 MB, and its few text fields.
MAX_BODY_BYTES = PHOTO_MAX_BYTES + 256 * 1024
TEXT_PART_BYTES = 16 * 1024
FIELDS = (*ReportCreate.model_fields, "photo")
PRIVATE = {"Cache-Control": "private, no-store"}
ReportId = Annotated[int, Path(ge=1, le=2**31 - 1, description="the report's id")]
EDITOR_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "no key, or a wrong or revoked one"},
    403: {"description": "the key is not an editor's or an admin's"},
    404: {"description": "no such report"},
}


async def within_limits(request: Request) -> None:
    """Count the report against the per-address and global limits before its body is read."""
    limits: ReportLimits = request.app.state.report_limits
    limits.hit(request.client.host if request.client else "unknown")


async def report_form(request: Request) -> reports.Submission:
    """The multipart form's fields, checked, and the photo's bytes (read up to the limit)."""
    form = await request.form(max_files=1, max_fields=len(FIELDS), max_part_size=TEXT_PART_BYTES)
    try:
        unknown = sorted(set(form.keys()) - set(FIELDS))
        if unknown:
            raise InvalidParameterValue(
                f"unknown field(s) {', '.join(unknown)}; a report has {', '.join(FIELDS)}"
            )
        text = {key: value for key, value in form.items() if isinstance(value, str)}
        try:
            fields = ReportCreate.model_validate(text)
        except ValidationError as exc:
            raise InvalidParameterValue(
                "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
            ) from None
        photo = None
        upload = form.get("photo")
        if isinstance(upload, UploadFile):
            photo = await upload.read(PHOTO_MAX_BYTES + 1)
            if len(photo) > PHOTO_MAX_BYTES:
                raise PayloadTooLarge(f"photo: at most {PHOTO_MAX_BYTES // (1024 * 1024)} MB")
            if not photo and not upload.filename:
                photo = None  # a form's empty file input
        elif upload is not None:
            raise InvalidParameterValue("photo: send a file, not a text field")
    finally:
        await form.close()
    return reports.Submission(
        fields.lon, fields.lat, fields.category, fields.description, fields.phone, photo
    )


def _request_body() -> dict[str, Any]:
    schema = ReportCreate.model_json_schema()
    schema["properties"]["photo"] = {
        "type": "string",
        "format": "binary",
        "description": f"JPEG, PNG or WebP, at most {PHOTO_MAX_BYTES // (1024 * 1024)} MB and "
        f"{PHOTO_MAX_PIXELS // 1_000_000} megapixels; stored re-encoded, without EXIF or GPS",
    }
    return {
        "requestBody": {
            "required": True,
            "content": {"multipart/form-data": {"schema": schema}},
        }
    }


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ReportReceipt,
    dependencies=[Depends(within_limits)],
    max_body_size=MAX_BODY_BYTES,
    openapi_extra=_request_body(),
    responses={
        400: {"description": "a field is missing or wrong, or the photo is not an image"},
        413: {"description": "the body is over 8.25 MB or the photo over 8 MB"},
        429: {"description": "too many reports from this address or from everyone: Retry-After"},
    },
)
@in_session
def send_report(
    request: Request,
    session: SessionDep,
    submission: Annotated[reports.Submission, Depends(report_form)],
    background: BackgroundTasks,
) -> ReportReceipt:
    """Report a mine, a shell, a suspicious object, a warning sign or an accident at a point.

    The answer's receipt code tells the report's status later, and nothing else. The report,
    its phone number and photo are seen only by the mine action centre's editors.
    """
    receipt, payload = reports.submit(session, submission, base_url(request))
    webhook = reports.webhook_of(request.app.state.settings)
    if webhook is not None:  # after the response, so after the report is committed
        background.add_task(report_webhook.start_async, webhook, payload)
    return receipt


@router.get(
    "/status/{receipt}",
    response_model=ReportStatusRead,
    responses={404: {"description": "no report has this receipt"}},
)
@in_session
def report_status(
    receipt: Annotated[str, Path(max_length=64)], session: SessionDep, response: Response
) -> ReportStatusRead:
    """A report's status (received, verified or rejected), from its receipt code."""
    response.headers.update(PRIVATE)
    return ReportStatusRead(status=reports.status(session, receipt))


@router.get("", response_model=ReportList, responses=EDITOR_RESPONSES)
@in_session
def report_queue(
    request: Request,
    session: SessionDep,
    caller: Editor,
    response: Response,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
    status: ReportStatus | None = None,
) -> ReportList:
    """The reports, newest first, with contact details and steps (editors and admins)."""
    response.headers.update(PRIVATE)
    return reports.queue(session, limit, offset, status, base_url(request))


@router.get("/{report_id}", response_model=ReportRead, responses=EDITOR_RESPONSES)
@in_session
def report(
    request: Request, report_id: ReportId, session: SessionDep, caller: Editor, response: Response
) -> ReportRead:
    """One report with its steps (editors and admins)."""
    response.headers.update(PRIVATE)
    return reports.read(session, report_id, base_url(request))


@router.get(
    "/{report_id}/photo",
    response_class=Response,
    responses={**EDITOR_RESPONSES, 200: {"content": {PHOTO_MEDIA_TYPE: {}}}},
)
@in_session
def report_photo(report_id: ReportId, session: SessionDep, caller: Editor) -> Response:
    """The report's photo, re-encoded without metadata (editors and admins)."""
    return Response(reports.photo(session, report_id), media_type=PHOTO_MEDIA_TYPE, headers=PRIVATE)


@router.post(
    "/{report_id}/verify",
    response_model=ReportRead,
    responses={**EDITOR_RESPONSES, 409: {"description": "the report was decided already"}},
)
@in_session
def verify_report(
    request: Request,
    report_id: ReportId,
    body: ReportVerify,
    session: SessionDep,
    caller: Editor,
) -> ReportRead:
    """Make the report an incident at its point, or an SHA around it (a geodesic buffer of
    ``radius_m``, 100 m by default); the new feature's source names the report."""
    settings = request.app.state.settings
    return reports.verify(session, report_id, body, caller, settings, base_url(request))


@router.post(
    "/{report_id}/merge",
    response_model=ReportRead,
    responses={
        **EDITOR_RESPONSES,
        404: {"description": "no such report, or no such zone or incident"},
        409: {"description": "the report was decided already"},
    },
)
@in_session
def merge_report(
    request: Request,
    report_id: ReportId,
    body: ReportMerge,
    session: SessionDep,
    caller: Editor,
) -> ReportRead:
    """Merge the report into an existing zone or incident; the feature is not changed, the
    step names it, and the report's receipt tells "verified"."""
    return reports.merge(session, report_id, body, caller, base_url(request))


@router.post(
    "/{report_id}/reject",
    response_model=ReportRead,
    responses={**EDITOR_RESPONSES, 409: {"description": "the report was decided already"}},
)
@in_session
def reject_report(
    request: Request,
    report_id: ReportId,
    body: ReportReject,
    session: SessionDep,
    caller: Editor,
) -> ReportRead:
    """Reject the report; the reason is kept."""
    return reports.reject(session, report_id, body, caller, base_url(request))
