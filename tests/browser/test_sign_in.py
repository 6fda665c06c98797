"""Signing in on the map: "Sign in" opens the form, a wrong password is named, the right one
shows the name and "Sign out", and signing out ends the session. Screenshot:
artifacts/sign-in.png."""

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from app.services.accounts import create_user
from tests.browser.conftest import (
    ARTIFACTS,
    MESSAGES,
    open_map,
    poll,
    serious_accessibility_violations,
)

PASSWORD = "a long browser password"


@pytest.fixture
def person(engine: Engine) -> Iterator[str]:
    """An editor, committed for the server to read, removed afterwards."""
    with Session(engine) as session, session.begin():
        create_user(session, "browser.editor", "editor", None, PASSWORD)
    yield "browser.editor"
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM users WHERE name = 'browser.editor'"))


def _me_status(page: Any) -> int:
    return int(page.evaluate("fetch(Contamap.BASE + '/auth/me').then((r) => r.status)"))


def test_sign_in_and_out_on_the_map(browser: Any, server: str, person: str) -> None:
    page, errors = open_map(browser, server)
    words = MESSAGES["en"]
    opener = page.locator("#auth-open")
    assert opener.inner_text() == words["auth_sign_in"]
    opener.click()
    page.fill("#auth-username", person)
    page.fill("#auth-password", "not the password")
    page.locator("#auth-form button[type=submit]").click()
    poll(page, "document.getElementById('auth-status').textContent.includes('wrong')", "no error")
    assert page.locator("#auth-status").inner_text() == words["auth_wrong"]
    page.fill("#auth-password", PASSWORD)
    page.locator("#auth-form button[type=submit]").click()
    poll(page, "Contamap.session !== null", "never signed in")
    assert page.locator("#auth-name").inner_text() == person
    assert page.locator("#auth-sign-out").is_visible()
    assert not opener.is_visible()
    assert page.evaluate("Contamap.session.role") == "editor"
    assert page.evaluate("document.cookie") == ""  # HttpOnly: the page's script cannot read it
    assert serious_accessibility_violations(page, server) == []
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "sign-in.png"))
    page.reload(wait_until="load")
    poll(page, "Contamap.session !== null", "the session did not outlive a reload")
    page.locator("#auth-sign-out").click()
    poll(page, "Contamap.session === null", "never signed out")
    assert opener.is_visible()
    assert _me_status(page) == 401
    # The failed sign-in's 401 is the only error the console shows.
    assert [
        error for error in errors if "/auth/login" not in error and "/auth/me" not in error
    ] == []
    page.close()
