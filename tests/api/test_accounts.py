"""Accounts for people: sign-in sessions, their CSRF token, roles, the throttle, the CLI."""

from datetime import date
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from app.api.deps.auth import drafts_of
from app.cli import cli
from app.core.config import get_settings
from app.errors import InvalidParameterValue
from app.models import ContaminatedZone, User
from app.services.accounts import create_user, disable_user
from app.services.auth import Caller
from tests.api.test_editing import ZONES, zone
from tests.api.test_operations import TASKS, ZONE, task
from tests.api.test_stats_geometry import WEST, add_district, add_zone
from tests.conftest import in_transaction

PASSWORD = "correct horse battery"
GEOJSON = {"Content-Type": "application/geo+json"}


@pytest.fixture
def users(session: Session) -> None:
    """A viewer, an operator of each of two organisations, and an editor."""
    session.execute(
        text(
            "INSERT INTO organisations (code, name, kind, source) VALUES "
            "('ACC-A', 'Operator A', 'commercial', 'test'), "
            "('ACC-B', 'Operator B', 'ngo', 'test')"
        )
    )
    create_user(session, "vusal.viewer", "viewer", None, PASSWORD)
    create_user(session, "aysel.a", "operator", "ACC-A", PASSWORD)
    create_user(session, "bahram.b", "operator", "ACC-B", PASSWORD)
    create_user(session, "leyla.editor", "editor", None, PASSWORD)


def sign_in(client: TestClient, name: str, password: str = PASSWORD) -> Any:
    """Sign in as a page's script does (asking for JSON); the client keeps the cookie."""
    return client.post(
        "/auth/login",
        data={"username": name, "password": password},
        headers={"Accept": "application/json"},
    )


def csrf(client: TestClient) -> dict[str, str]:
    me = client.get("/auth/me")
    assert me.status_code == 200, me.text
    return {"X-CSRF-Token": me.json()["csrf_token"], **GEOJSON}


def zone_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(ContaminatedZone)) or 0


def test_login_sets_an_httponly_samesite_lax_cookie_and_me_answers(
    client: TestClient, users: None
) -> None:
    assert client.get("/auth/me").status_code == 401
    answer = sign_in(client, "aysel.a")
    assert answer.status_code == 200, answer.text
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith("contamap_session=")
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Path=/" in cookie
    assert "Max-Age=604800" in cookie  # 7 days, the documented absolute lifetime
    assert "Secure" not in cookie  # served over plain HTTP here
    me = client.get("/auth/me")
    assert me.status_code == 200
    assert me.headers["cache-control"] == "no-store"
    body = me.json()
    assert body == {
        "name": "aysel.a",
        "role": "operator",
        "organisation": "ACC-A",
        "csrf_token": answer.json()["csrf_token"],
    }
    assert len(body["csrf_token"]) >= 32


def test_a_form_post_is_sent_to_the_map(client: TestClient, users: None) -> None:
    answer = client.post(
        "/auth/login",
        data={"username": "leyla.editor", "password": PASSWORD},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "http://testserver/map"
    assert client.get("/auth/me").json()["role"] == "editor"


def test_the_cookie_is_secure_when_the_site_is_https(
    database_url: str, session: Session, users: None
) -> None:
    with in_transaction(database_url, session, public_url="https://mines.example.az") as https:
        answer = sign_in(https, "leyla.editor")
        assert answer.status_code == 200, answer.text
        assert "Secure" in answer.headers["set-cookie"]


def test_a_wrong_password_or_name_is_refused_alike(client: TestClient, users: None) -> None:
    wrong = sign_in(client, "leyla.editor", "not the password")
    unknown = sign_in(client, "nobody.here", PASSWORD)
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["description"] == unknown.json()["description"]
    assert "set-cookie" not in wrong.headers
    assert client.get("/auth/me").status_code == 401


def test_a_sign_in_posted_from_another_site_is_refused(client: TestClient, users: None) -> None:
    answer = client.post(
        "/auth/login",
        data={"username": "leyla.editor", "password": PASSWORD},
        headers={"Origin": "https://evil.example"},
    )
    assert answer.status_code == 403
    assert "set-cookie" not in answer.headers
    same = client.post(
        "/auth/login",
        data={"username": "leyla.editor", "password": PASSWORD},
        headers={"Origin": "http://testserver", "Accept": "application/json"},
    )
    assert same.status_code == 200


def test_a_cookie_write_without_the_csrf_token_is_refused(
    client: TestClient, session: Session, users: None
) -> None:
    """A stolen CSRF-less POST: the browser sends the cookie, the page cannot send the token."""
    sign_in(client, "leyla.editor")
    before = zone_count(session)
    forged = client.post(ZONES, json=zone("CSRF-1"), headers=GEOJSON)
    assert forged.status_code == 403
    assert "X-CSRF-Token" in forged.json()["description"]
    wrong = client.post(ZONES, json=zone("CSRF-1"), headers={**GEOJSON, "X-CSRF-Token": "x" * 43})
    assert wrong.status_code == 403
    odd = client.post(ZONES, json=zone("CSRF-1"), headers={**GEOJSON, "X-CSRF-Token": "é".encode()})  # type: ignore[dict-item]
    assert odd.status_code == 403  # not a 500: the comparison takes any header
    assert zone_count(session) == before
    made = client.post(ZONES, json=zone("CSRF-1"), headers=csrf(client))
    assert made.status_code == 201, made.text
    assert zone_count(session) == before + 1
    history = session.execute(
        text(
            "SELECT actor, action FROM feature_history "
            "WHERE collection = 'contaminated_zones' ORDER BY id DESC LIMIT 1"
        )
    ).one()
    assert tuple(history) == ("leyla.editor", "create")


def test_a_disabled_users_session_stops_at_once(
    client: TestClient, session: Session, users: None
) -> None:
    sign_in(client, "leyla.editor")
    headers = csrf(client)
    assert disable_user(session, "leyla.editor") == 1
    assert client.get("/auth/me").status_code == 401
    assert client.post(ZONES, json=zone("OFF-1"), headers=headers).status_code == 401
    again = sign_in(client, "leyla.editor")
    assert again.status_code == 401
    assert "disabled" in again.json()["description"]


def test_a_viewer_cannot_write(client: TestClient, session: Session, users: None) -> None:
    sign_in(client, "vusal.viewer")
    headers = csrf(client)
    before = zone_count(session)
    refused = client.post(ZONES, json=zone("VIEW-1"), headers=headers)
    assert refused.status_code == 403
    assert "viewer" in refused.json()["description"]
    assert zone_count(session) == before
    assert client.get(ZONES, params={"limit": 1}).status_code == 200  # it reads


def test_an_operator_cannot_write_another_organisations_task(
    database_url: str, client: TestClient, session: Session, users: None
) -> None:
    add_district(session, WEST)
    zone_id = add_zone(session, ZONE, recorded_on=date(2023, 1, 1))
    zone_code = session.scalar(
        text("SELECT code FROM contaminated_zones WHERE id = :id"), {"id": zone_id}
    )
    sign_in(client, "aysel.a")
    own = client.post(TASKS, json=task(zone_code, "ACC-A", "ACC-T1"), headers=csrf(client))
    assert own.status_code == 201, own.text
    location = own.headers["location"].removeprefix("http://testserver")
    with in_transaction(database_url, session) as other:
        sign_in(other, "bahram.b")
        headers = csrf(other)
        assert other.delete(location, headers=headers).status_code == 403
        forged = other.post(TASKS, json=task(zone_code, "ACC-A", "ACC-T2"), headers=headers)
        assert forged.status_code == 403
        assert "ACC-B" in forged.json()["description"]
    assert client.get(location).status_code == 200


def test_failed_sign_ins_are_throttled_per_account(client: TestClient, users: None) -> None:
    """Five failures per account in 15 minutes (docs/operations.md), then 429 even for the
    right password; another account from the same address is not locked."""
    statuses = [sign_in(client, "aysel.a", f"guess number {n}").status_code for n in range(5)]
    assert statuses == [401] * 5
    locked = sign_in(client, "aysel.a", PASSWORD)
    assert locked.status_code == 429
    assert 1 <= int(locked.headers["retry-after"]) <= 15 * 60
    assert "set-cookie" not in locked.headers
    assert sign_in(client, "AYSEL.A", PASSWORD).status_code == 429  # names count alike
    assert sign_in(client, "leyla.editor", PASSWORD).status_code == 200


def test_failed_sign_ins_are_throttled_per_address(client: TestClient, users: None) -> None:
    """Twenty failures from one address in 15 minutes, whatever the names, then 429."""
    statuses = [sign_in(client, f"guess{n}", "wrong password").status_code for n in range(20)]
    assert statuses == [401] * 20
    locked = sign_in(client, "leyla.editor", PASSWORD)
    assert locked.status_code == 429
    assert 1 <= int(locked.headers["retry-after"]) <= 15 * 60


def test_logout_ends_the_session_on_the_server(client: TestClient, users: None) -> None:
    sign_in(client, "leyla.editor")
    headers = csrf(client)
    stolen = client.cookies.get("contamap_session")
    assert stolen
    assert client.post("/auth/logout").status_code == 403  # a forged sign-out, too
    assert client.get("/auth/me").status_code == 200
    out = client.post("/auth/logout", headers=headers)
    assert out.status_code == 204
    assert 'contamap_session=""' in out.headers["set-cookie"]
    assert client.get("/auth/me").status_code == 401
    client.cookies.set("contamap_session", stolen)  # the old cookie, kept by someone
    assert client.get("/auth/me").status_code == 401
    assert client.post(ZONES, json=zone("OUT-1"), headers=headers).status_code == 401


def test_an_idle_or_expired_session_ends(client: TestClient, session: Session, users: None) -> None:
    sign_in(client, "leyla.editor")
    session.execute(text("UPDATE user_sessions SET last_seen_at = now() - interval '8 hours 1 s'"))
    assert client.get("/auth/me").status_code == 401  # idle for longer than 8 hours
    sign_in(client, "leyla.editor")
    session.execute(text("UPDATE user_sessions SET expires_at = now() - interval '1 s'"))
    assert client.get("/auth/me").status_code == 401


def test_answers_to_a_signed_in_reader_are_private(client: TestClient, users: None) -> None:
    public = client.get(ZONES, params={"limit": 1})
    assert public.headers["cache-control"] == "public, no-cache"
    sign_in(client, "aysel.a")
    private = client.get(ZONES, params={"limit": 1})
    assert private.headers["cache-control"] == "private, no-cache"


def test_the_password_is_stored_as_an_argon2_hash(session: Session, users: None) -> None:
    stored = session.scalar(select(User.password_hash).where(User.name == "leyla.editor"))
    assert stored is not None
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored
    assert PasswordHasher().verify(stored, PASSWORD)


def test_weak_or_malformed_accounts_are_refused(client: TestClient, session: Session) -> None:
    for name, role, organisation, password in (
        ("short.pw", "editor", None, "too short"),
        ("has space", "editor", None, PASSWORD),
        ("no.org", "operator", None, PASSWORD),
        ("bad.role", "superuser", None, PASSWORD),
        ("org.for.editor", "editor", "ACC-A", PASSWORD),
    ):
        with pytest.raises(InvalidParameterValue):
            create_user(session, name, role, organisation, password)


@pytest.fixture
def runner(database_url: str, engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A CLI runner on the test database; the users it commits are removed afterwards."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM users WHERE name LIKE 'cli.%'"))


def test_the_cli_reads_the_password_from_standard_input(runner: CliRunner, engine: Engine) -> None:
    made = runner.invoke(cli, ["user", "create", "cli.admin", "--role", "admin"], input=PASSWORD)
    assert made.exit_code == 0, made.output
    assert PASSWORD not in made.output
    with engine.connect() as conn:
        stored = conn.scalar(text("SELECT password_hash FROM users WHERE name = 'cli.admin'"))
    assert PasswordHasher().verify(stored, PASSWORD)
    listed = runner.invoke(cli, ["user", "list"])
    assert "cli.admin\tadmin" in listed.output
    reset = runner.invoke(cli, ["user", "reset-password", "cli.admin"], input="another long one\n")
    assert reset.exit_code == 0, reset.output
    with engine.connect() as conn:
        stored = conn.scalar(text("SELECT password_hash FROM users WHERE name = 'cli.admin'"))
    assert PasswordHasher().verify(stored, "another long one")  # the newline is not kept
    assert runner.invoke(cli, ["user", "disable", "cli.admin"]).exit_code == 0
    refused = runner.invoke(cli, ["user", "create", "cli.op", "--role", "operator"], input=PASSWORD)
    assert refused.exit_code == 1
    assert "organisation" in refused.output


def test_a_signed_in_viewer_reads_where_reads_need_a_caller(
    database_url: str, session: Session, users: None
) -> None:
    with in_transaction(database_url, session, read_requires_key=True) as closed:
        assert closed.get(ZONES, params={"limit": 1}).status_code == 401
        assert sign_in(closed, "vusal.viewer").status_code == 200
        assert closed.get(ZONES, params={"limit": 1}).status_code == 200


def test_options_with_the_cookie_says_what_the_person_may_do(
    client: TestClient, users: None
) -> None:
    """OPTIONS changes nothing: it needs no CSRF token, and its Allow follows the role."""
    assert "POST" not in client.options(ZONES).headers["allow"]
    sign_in(client, "leyla.editor")
    assert "POST" in client.options(ZONES).headers["allow"]


def test_a_viewer_sees_no_drafts() -> None:
    """Reports not yet approved: an operator sees its organisation's, the authority every
    one, a viewer none, as a reader without a key."""
    assert drafts_of(Caller(None, "v", "viewer")) is None
    assert drafts_of(None) is None
    assert drafts_of(Caller(None, "o", "operator", "ACC-A")) == "ACC-A"
    assert drafts_of(Caller(None, "e", "editor")) == "*"
