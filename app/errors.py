"""One error hierarchy, mapped once to the OGC API error body ``{code, description}``."""

import logging
import re

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import DataError, DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.core.responses import JSONResponse

logger = logging.getLogger(__name__)
RETRY_AFTER_S = "2"  # seconds, on every 503


class ContamapError(Exception):
    """Base error: a status code, an OGC error code and a sentence for the client."""

    status_code = 500
    code = "ServerError"
    headers: dict[str, str] = {}  # noqa: RUF012 - read only, replaced by subclasses

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


class InvalidParameterValue(ContamapError):
    """A query parameter or body value that cannot be used."""

    status_code = 400
    code = "InvalidParameterValue"


class UnknownParameter(ContamapError):
    """A query parameter the endpoint does not know."""

    status_code = 400
    code = "UnknownParameter"


class NotFound(ContamapError):
    """An unknown collection, feature or district."""

    status_code = 404
    code = "NotFound"


class Unauthorized(ContamapError):
    """No key, or a wrong or revoked one, where a key is needed."""

    status_code = 401
    code = "Unauthorized"
    headers = {"WWW-Authenticate": 'Bearer realm="contamap"'}  # noqa: RUF012


class Forbidden(ContamapError):
    """A key whose role does not allow the change."""

    status_code = 403
    code = "Forbidden"


class Conflict(ContamapError):
    """The change collides with another feature (a code already taken, say)."""

    status_code = 409
    code = "Conflict"


class PreconditionFailed(ContamapError):
    """If-Match names a version that is no longer the current one."""

    status_code = 412
    code = "PreconditionFailed"


class PreconditionRequired(ContamapError):
    """A write without If-Match where the service requires one."""

    status_code = 428
    code = "PreconditionRequired"


class PayloadTooLarge(ContamapError):
    """A body or an uploaded file larger than its documented limit."""

    status_code = 413
    code = "PayloadTooLarge"


class TooManyRequests(ContamapError):
    """A rate limit reached: ``Retry-After`` says when to try again."""

    status_code = 429
    code = "TooManyRequests"

    def __init__(self, description: str, retry_after_s: int) -> None:
        super().__init__(description)
        self.headers = {"Retry-After": str(max(1, retry_after_s))}


class BadGateway(ContamapError):
    """A service this one relies on (an identity provider) did not answer as it should."""

    status_code = 502
    code = "BadGateway"


class InvalidFeature(ContamapError):
    """A well-formed body that breaks the layer's rules: one sentence per problem."""

    status_code = 422
    code = "InvalidFeature"

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def error_body(code: str, description: str) -> dict[str, str]:
    """The JSON body of every error response."""
    return {"code": code, "description": description}


def _respond(status: int, code: str, description: str) -> JSONResponse:
    return JSONResponse(error_body(code, description), status_code=status)


def _describe_validation(exc: RequestValidationError) -> str:
    parts = []
    for error in exc.errors():
        where = ".".join(
            str(item) for item in error.get("loc", ()) if item not in ("query", "path")
        )
        parts.append(f"{where}: {error.get('msg', 'invalid')}")
    return "; ".join(parts) or "invalid request"


def install_error_handlers(app: FastAPI) -> None:
    """Map every error to ``{code, description}`` with the right status; never leak a 500."""

    @app.exception_handler(ContamapError)
    async def _contamap(_: Request, exc: ContamapError) -> JSONResponse:
        response = _respond(exc.status_code, exc.code, exc.description)
        if isinstance(exc, InvalidFeature):
            response = JSONResponse(
                {**error_body(exc.code, exc.description), "problems": exc.problems},
                status_code=exc.status_code,
            )
        response.headers.update(exc.headers)
        return response

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        return _respond(400, "InvalidParameterValue", _describe_validation(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = "NotFound" if exc.status_code == 404 else "HTTPError"
        response = _respond(exc.status_code, code, str(exc.detail))
        response.headers.update(exc.headers or {})
        if exc.status_code == 405:
            allow = response.headers.get("allow", "")
            response.headers["Allow"] = ", ".join(_allowed_methods(request, allow))
        return response

    @app.exception_handler(OperationalError)
    async def _unavailable(_: Request, exc: OperationalError) -> JSONResponse:
        logger.warning("database unavailable: %s", exc.orig)
        return _retry_later("DatabaseUnavailable", "the database did not answer; try again later")

    @app.exception_handler(SQLAlchemyTimeoutError)
    async def _busy(_: Request, exc: SQLAlchemyTimeoutError) -> JSONResponse:
        logger.warning("no database connection free: %s", exc)
        return _retry_later("ServiceBusy", "every database connection is busy; try again")

    @app.exception_handler(DBAPIError)
    async def _database(_: Request, exc: DBAPIError) -> JSONResponse:
        message = getattr(getattr(exc.orig, "diag", None), "message_primary", None) or str(exc.orig)
        # A DataError is SQLSTATE class 22, or psycopg refusing a value itself (a NUL byte).
        if isinstance(exc, DataError) or is_client_fault(getattr(exc.orig, "sqlstate", None) or ""):
            logger.info("database refused a request: %s", message)
            return _respond(
                400, "InvalidParameterValue", f"the database refused the request: {message}"
            )
        logger.error("database error", exc_info=exc)
        return _respond(500, "ServerError", "an internal error occurred; it has been logged")


def _retry_later(code: str, description: str) -> JSONResponse:
    """A 503 that says when to ask again."""
    response = _respond(503, code, description)
    response.headers["Retry-After"] = RETRY_AFTER_S
    return response


def _allowed_methods(request: Request, given: str) -> list[str]:
    """Every method some route answers on this path, from the OpenAPI document (Starlette names
    only the first route's); a GET route answers HEAD too."""
    methods: set[str] = set()
    for template, operations in request.app.openapi().get("paths", {}).items():
        if re.fullmatch(re.sub(r"\{[^}/]+\}", "[^/]+", template), request.url.path):
            methods |= {method.upper() for method in operations}
    methods = methods or {method.strip() for method in given.split(",") if method.strip()}
    if "GET" in methods:
        methods.add("HEAD")
    return sorted(methods)


# SQLSTATEs a client's values cause: data exceptions (class 22) and integrity violations (23),
# a filter comparing values of the wrong types (42883, 42804, 42725 ambiguous, 42P18
# indeterminate), and PostGIS refusing a geometry
# the client sent (XX000, how PostGIS reports its errors). Anything else is our fault: a 500.
CLIENT_STATES = ("22", "23", "42883", "42804", "42725", "42P18", "XX000")


def is_client_fault(sqlstate: str) -> bool:
    """Whether a database error was caused by the values a client sent."""
    return sqlstate.startswith(CLIENT_STATES)
