"""Who is signed in, as GET /auth/me and a JSON sign-in answer it."""

from pydantic import BaseModel, Field

from app.catalog import Role


class SignedInRead(BaseModel):
    """The signed-in person, and the CSRF token their changes send back in X-CSRF-Token."""

    name: str
    role: Role
    organisation: str | None = Field(description="an operator's organisation (its code)")
    csrf_token: str = Field(description="send it back in the X-CSRF-Token header of a change")
