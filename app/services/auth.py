"""API keys and roles: who may write what.

A key is ``cmk_<number>_<secret>``: the number finds its row, the secret is checked against an
Argon2 hash of the whole key (argon2-cffi; the comparison is constant-time). The key itself is
shown once, when created, and stored nowhere.
"""

import logging
import math
import re
import secrets
import time
from dataclasses import dataclass
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from limits import parse as parse_rate
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from app.catalog import ROLES, Collection, Role
from app.core.db import IntegrityError, Session, off_loop
from app.errors import (
    Conflict,
    Forbidden,
    InvalidParameterValue,
    TooManyRequests,
    Unauthorized,
)
from app.models import ApiKey
from app.repositories import apikeys as repo
from app.repositories import operations as operations_repo

logger = logging.getLogger(__name__)
# Keys are random: a light Argon2 keeps each write's check to a few milliseconds.
HASHER = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)
KEY = re.compile(r"cmk_([0-9]{1,9})_([A-Za-z0-9_-]{43})")


@dataclass(frozen=True)
class Caller:
    """Who is asking: a key's number (None for a person signed in), the key's or the
    person's name and role, and an operator's organisation."""

    key_id: int | None
    name: str
    role: Role
    organisation: str | None = None

    def may_edit(self, collection: Collection) -> bool:
        """Whether the role allows changing the collection's features (an operator's own
        only: the operations service checks whose they are)."""
        return ROLES.index(self.role) >= ROLES.index(collection.edit_role)

    def at_least(self, role: Role) -> bool:
        """Whether the caller's role is ``role`` or above it."""
        return ROLES.index(self.role) >= ROLES.index(role)


def create_key(session: Session, name: str, role: str, organisation: str | None = None) -> str:
    """A new key for ``name`` with ``role`` (an operator's: of ``organisation``); the key is
    returned here and never again."""
    if role not in ROLES:
        raise InvalidParameterValue(f"role {role!r}: use {', '.join(ROLES)}")
    if not name.strip():
        raise InvalidParameterValue("a key needs a name")
    if (role == "operator") != (organisation is not None):
        raise InvalidParameterValue("an operator's key, and only one, names its --organisation")
    if organisation is not None and not operations_repo.organisation_exists(session, organisation):
        raise InvalidParameterValue(f"no organisation has the code {organisation!r}")
    try:
        with session.begin_nested():
            row = repo.add(session, name.strip(), role, organisation)
    except IntegrityError:
        raise Conflict(f"a key named {name!r} exists already") from None
    key = f"cmk_{row.id}_{secrets.token_urlsafe(32)}"
    row.key_hash = HASHER.hash(key)
    session.flush()
    return key


def list_keys(session: Session) -> list[ApiKey]:
    """Every key, by name (names, roles and dates; no secret is stored)."""
    return repo.all_keys(session)


def revoke_key(session: Session, name: str) -> None:
    """Revoke a key, or say there is no such active key."""
    if not repo.revoke(session, name):
        raise InvalidParameterValue(f"no active key named {name!r}")


class KeyThrottle:
    """Wrong keys per client address, counted in this worker's memory (the ``limits`` library,
    a moving window): past ``CONTAMAP_KEY_FAILURES``, every key from the address is refused
    with a 429 until the window moves on, so keys cannot be guessed at speed. Each worker
    counts its own: N workers allow N times the rate, still far too few for a guess."""

    def __init__(self, rate: str) -> None:
        self.rate = parse_rate(rate)
        self.limiter = MovingWindowRateLimiter(MemoryStorage())

    def check(self, address: str) -> None:
        """A 429 when the address has used up its wrong keys."""
        if not self.limiter.test(self.rate, address):
            reset = self.limiter.get_window_stats(self.rate, address).reset_time
            wait = max(1, math.ceil(reset - time.time()))
            raise TooManyRequests(f"too many wrong API keys from {address}: wait {wait} s", wait)

    def failed(self, address: str) -> None:
        """Count a wrong key from the address."""
        self.limiter.hit(self.rate, address)


@dataclass(frozen=True)
class Attempt:
    """Where a key comes from, and the throttle that counts the wrong ones."""

    address: str
    throttle: KeyThrottle


@cache
def _unknown_key_hash() -> str:
    """A hash to check keys of unknown numbers against, made once per process."""
    return HASHER.hash(f"cmk_0_{secrets.token_urlsafe(32)}")


def _verified(key_hash: str, key: str) -> bool:
    try:
        return off_loop(HASHER.verify, key_hash, key)  # 16 ms of hashing: not on the loop
    except (VerificationError, InvalidHashError):
        return False


def authenticate(
    session: Session, presented: str | None, attempt: Attempt | None = None
) -> Caller | None:
    """The caller a presented key names; None without a key; a 401 for a bad or revoked one,
    a 429 after too many wrong ones from the address.

    A key whose number is unknown is checked against a hash all the same, so that it takes
    as long as a known number with a wrong secret: the time of the answer does not tell which
    numbers exist. A failed attempt is logged with the key's name when its number is known,
    never the key.
    """
    if presented is None:
        return None
    if attempt is not None:
        attempt.throttle.check(attempt.address)
    key = presented.strip()
    match = KEY.fullmatch(key)
    row = repo.by_id(session, int(match.group(1))) if match else None
    right = _verified(row.key_hash if row is not None else _unknown_key_hash(), key)
    if row is None or not right or row.revoked_at is not None:
        if attempt is not None:
            attempt.throttle.failed(attempt.address)
        if row is None:
            logger.warning("refused a write: an unknown or malformed API key")
        elif not right:
            logger.warning("refused a write: a wrong secret for the key named %r", row.name)
        else:
            logger.warning("refused a write: the key named %r is revoked", row.name)
            raise Unauthorized("the API key was revoked")
        raise Unauthorized("the API key is not valid")
    return Caller(row.id, row.name, row.role, row.organisation)  # type: ignore[arg-type]


def require_editor_of(caller: Caller | None, collection: Collection) -> Caller:
    """The caller, when it may change the collection: else 401 (no key) or 403 (its role)."""
    if caller is None:
        raise Unauthorized(
            "writing needs an API key (Authorization: Bearer <key>) or a sign-in (/auth/login)"
        )
    if not caller.may_edit(collection):
        raise Forbidden(
            f"{caller.name!r} has the role {caller.role}; changing {collection.id} needs the "
            f"role {collection.edit_role} or above"
        )
    return caller


def require_role(caller: Caller | None, role: Role) -> Caller:
    """The caller, when its role is at least ``role``."""
    if caller is None:
        raise Unauthorized(
            "this needs an API key (Authorization: Bearer <key>) or a sign-in (/auth/login)"
        )
    if not caller.at_least(role):
        raise Forbidden(
            f"{caller.name!r} has the role {caller.role}; this needs the role {role} or above"
        )
    return caller


def record_use(session: Session, caller: Caller) -> None:
    """Note the key's last use (writes only: reads never write); a session notes its own."""
    if caller.key_id is not None:
        repo.touch(session, caller.key_id)
