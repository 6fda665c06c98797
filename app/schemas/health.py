"""The health answer."""

from typing import Literal

from pydantic import BaseModel


class Health(BaseModel):
    """Whether the service and its database answer, and how many features each layer holds."""

    status: Literal["ok", "unavailable"]
    database: Literal["ok", "unavailable"]
    layers: dict[str, int] | None = None
