"""Health of the service and its database."""

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from app.repositories.layers import count_rows
from app.schemas.health import Health


def check(session: Session) -> Health:
    """Count each layer; a database that does not answer makes the service unavailable."""
    try:
        layers = count_rows(session)
    except SQLAlchemyError:
        return Health(status="unavailable", database="unavailable")
    return Health(status="ok", database="ok", layers=layers)
