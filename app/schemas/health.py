"""The health answer."""

from typing import Literal

from pydantic import BaseModel, Field


class Health(BaseModel):
    """Whether the service, its database, its schema and its connection pool are fit to serve.

    ``status``: ``ok``; ``busy`` (every pooled read connection is in use: requests wait, then
    get a 503 with Retry-After; the answer is still 200); ``unavailable`` (the database does
    not answer: 503); ``schema_outdated`` (migrations are missing: 503, run contamap migrate).
    """

    status: Literal["ok", "busy", "unavailable", "schema_outdated"]
    database: Literal["ok", "unavailable"]
    pool: Literal["ok", "busy"]
    schema_revision: str | None = Field(default=None, description="the database's migration")
    expected_revision: str = Field(description="the migration this code needs")
    detail: str | None = None
    layers: dict[str, int] | None = None
