"""Accounts for people: users, their passwords, sign-in with a session, and its CSRF token.

A password is stored as an Argon2id hash with OWASP's parameters (19 MiB, 2 passes, 1 lane:
about 80 ms here), far heavier than the keys' hash: people choose passwords that a light hash
would let be guessed. A session is a
random token in an HttpOnly cookie; the database keeps only its SHA-256, so a copy of the
table opens nothing. Each session has its own CSRF token (a synchronizer token): a write
made with the cookie must send it back in ``X-CSRF-Token``, which another site's page
cannot read, so it cannot forge the write.
"""

import hashlib
import logging
import math
import re
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from limits import RateLimitItem
from limits import parse as parse_rate
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from app.catalog import ROLES
from app.core.db import IntegrityError, Session, off_loop
from app.errors import Conflict, Forbidden, InvalidParameterValue, TooManyRequests, Unauthorized
from app.models import User
from app.repositories import accounts as repo
from app.repositories.operations import organisation_exists
from app.services.auth import Caller

logger = logging.getLogger(__name__)
PASSWORDS = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
NAME = re.compile(r"[\w.@+-]{1,100}")
PASSWORD_LENGTH = (12, 1024)  # characters: at least, at most (Argon2 takes any, but not 1 GB)
SESSION_COOKIE = "contamap_session"
CSRF_HEADER = "X-CSRF-Token"
WRONG = "the name or the password is wrong"


@dataclass(frozen=True)
class Lifetimes:
    """How long a session lasts: without a write (idle), and at most (absolute)."""

    idle: timedelta
    absolute: timedelta


@dataclass(frozen=True)
class SignedIn:
    """A live session: who it is, its row, and the CSRF token its writes must send."""

    caller: Caller
    session_id: int
    csrf_token: str


def _check_password(password: str) -> None:
    shortest, longest = PASSWORD_LENGTH
    if not shortest <= len(password) <= longest:
        raise InvalidParameterValue(
            f"a password has {shortest} to {longest} characters; this one has {len(password)}"
        )


def create_user(
    session: Session, name: str, role: str, organisation: str | None, password: str
) -> User:
    """A new user: ``name`` (letters, digits, . @ + - _), a role of the catalogue (an
    operator's: of ``organisation``), and the password, stored as an Argon2 hash."""
    if not NAME.fullmatch(name):
        raise InvalidParameterValue(
            f"user name {name!r}: 1 to 100 letters, digits or . @ + - _ (no spaces)"
        )
    if role not in ROLES:
        raise InvalidParameterValue(f"role {role!r}: use {', '.join(ROLES)}")
    if (role == "operator") != (organisation is not None):
        raise InvalidParameterValue("an operator, and only an operator, names its --organisation")
    if organisation is not None and not organisation_exists(session, organisation):
        raise InvalidParameterValue(f"no organisation has the code {organisation!r}")
    _check_password(password)
    try:
        with session.begin_nested():
            return repo.add_user(session, name, role, organisation, PASSWORDS.hash(password))
    except IntegrityError:
        raise Conflict(f"a user named {name!r} exists already") from None


def list_users(session: Session) -> list[User]:
    """Every user, by name (no password is shown: only its hash is stored)."""
    return repo.all_users(session)


def _user(session: Session, name: str) -> User:
    user = repo.user_named(session, name)
    if user is None:
        raise InvalidParameterValue(f"no user named {name!r}")
    return user


def disable_user(session: Session, name: str) -> int:
    """Disable a user and end their sessions at once; how many sessions were ended."""
    user = _user(session, name)
    if user.disabled_at is not None:
        raise InvalidParameterValue(f"the user {name!r} is disabled already")
    repo.disable(session, user.id)
    return repo.end_sessions_of(session, user.id)


def reset_password(session: Session, name: str, password: str) -> int:
    """Give a user a new password and end their sessions; how many sessions were ended."""
    user = _user(session, name)
    _check_password(password)
    repo.set_password(session, user.id, PASSWORDS.hash(password))
    return repo.end_sessions_of(session, user.id)


class LoginThrottle:
    """Failed sign-ins per account and per client address, counted in this worker's memory
    (the ``limits`` library, a moving window). When either is used up, every sign-in to the
    account, or from the address, is refused with a 429 until the window moves on: a right
    password too, so guessing cannot go on. Each worker counts its own (N workers: N times)."""

    def __init__(self, per_account: str, per_address: str) -> None:
        self.per_account = parse_rate(per_account)
        self.per_address = parse_rate(per_address)
        self.limiter = MovingWindowRateLimiter(MemoryStorage())

    def _checks(self, name: str, address: str) -> tuple[tuple[RateLimitItem, str, str], ...]:
        return (
            (self.per_account, "account", name.casefold()),
            (self.per_address, "address", address),
        )

    def check(self, name: str, address: str) -> None:
        """A 429 with Retry-After when the account or the address has used up its failures."""
        for rate, kind, key in self._checks(name, address):
            if not self.limiter.test(rate, kind, key):
                reset = self.limiter.get_window_stats(rate, kind, key).reset_time
                wait = max(1, math.ceil(reset - time.time()))
                raise TooManyRequests(
                    f"too many failed sign-ins for this {kind} (at most {rate}): wait {wait} s",
                    wait,
                )

    def failed(self, name: str, address: str) -> None:
        """Count a failed sign-in against the account and the address."""
        for rate, kind, key in self._checks(name, address):
            self.limiter.hit(rate, kind, key)


@cache
def _unknown_user_hash() -> str:
    """A hash to check the passwords of unknown names against, made once per process."""
    return PASSWORDS.hash(secrets.token_urlsafe(16))


def _verified(password_hash: str, password: str) -> bool:
    try:
        return off_loop(PASSWORDS.verify, password_hash, password)  # not on the loop
    except (VerificationError, InvalidHashError):
        return False


def _token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def sign_in(
    session: Session,
    name: str,
    password: str,
    address: str,
    throttle: LoginThrottle,
    lifetimes: Lifetimes,
) -> tuple[str, SignedIn]:
    """A new session for the user whose name and password these are: its token (the cookie's
    value, given here only) and what it signs in; a 401 otherwise, a 429 when throttled.

    An unknown name is checked against a hash all the same, so that the time of the answer
    does not tell which names exist.
    """
    throttle.check(name, address)
    user = repo.user_named(session, name)
    right = _verified(user.password_hash if user is not None else _unknown_user_hash(), password)
    if user is None or not right:
        throttle.failed(name, address)
        logger.warning("refused a sign-in: a wrong name or password for %r", name[:100])
        raise Unauthorized(WRONG)
    if user.disabled_at is not None:
        logger.warning("refused a sign-in: the user %r is disabled", user.name)
        raise Unauthorized("this account is disabled")
    if PASSWORDS.check_needs_rehash(user.password_hash):
        repo.set_password(session, user.id, PASSWORDS.hash(password))
    return _open_session(session, user, lifetimes)


def sign_in_vouched(session: Session, name: str, lifetimes: Lifetimes) -> tuple[str, SignedIn]:
    """A new session for the user an identity provider vouched for (single sign-on); a 403
    when no enabled user has that name: the provider says who, Contamap what they may do."""
    user = repo.user_named(session, name)
    if user is None or user.disabled_at is not None:
        logger.warning("refused a single sign-on: no enabled user named %r", name[:100])
        raise Forbidden(f"{name!r} has no enabled account here: ask an administrator")
    return _open_session(session, user, lifetimes)


def _open_session(session: Session, user: User, lifetimes: Lifetimes) -> tuple[str, SignedIn]:
    """The user's new session: its token, for the cookie, and who it signs in."""
    repo.end_stale_sessions(session, lifetimes.idle)
    token, csrf_token = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    row_id = repo.add_session(session, user.id, _token_hash(token), csrf_token, lifetimes.absolute)
    caller = Caller(None, user.name, user.role, user.organisation)  # type: ignore[arg-type]
    return token, SignedIn(caller, row_id, csrf_token)


def signed_in(session: Session, token: str | None, idle: timedelta) -> SignedIn | None:
    """Who the session of this cookie's token signs in; None when there is no live one."""
    if not token:
        return None
    found = repo.live_session(session, _token_hash(token), idle)
    if found is None:
        return None
    row, user = found
    caller = Caller(None, user.name, user.role, user.organisation)  # type: ignore[arg-type]
    return SignedIn(caller, row.id, row.csrf_token)


def check_write(session: Session, who: SignedIn, csrf_token: str | None) -> None:
    """A write with the session's cookie: a 403 without its CSRF token; else it is noted as
    the session's activity, which keeps it from going idle."""
    if csrf_token is None or not secrets.compare_digest(
        csrf_token.encode(), who.csrf_token.encode()
    ):
        raise Forbidden(
            f"a change made with a sign-in session needs its {CSRF_HEADER} header "
            "(GET /auth/me gives it as csrf_token)"
        )
    repo.touch_session(session, who.session_id)


def sign_out(session: Session, token: str) -> None:
    """End the session of this token on the server."""
    repo.end_session(session, _token_hash(token))
