"""Without DATABASE_URL the settings, and so the ``contamap`` command, find the embedded
cluster that ``make run`` started, as the README's commands expect."""

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from app.cli import _warn_if_over_max_connections
from app.core.config import PGCLUSTER, Settings, get_settings


@pytest.fixture
def no_database_url(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The environment of a newcomer's shell: no DATABASE_URL of any spelling."""
    for name in ("DATABASE_URL", "CONTAMAP_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _state(folder: Path, port: str, password: str) -> Path:
    folder.mkdir(exist_ok=True)
    (folder / "port").write_text(port + "\n")
    (folder / "db-password").write_text(password + "\n")
    return folder


@pytest.mark.usefixtures("no_database_url")
def test_the_url_comes_from_the_clusters_state(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONTAMAP_STATE_DIR", str(_state(tmp_path / "state", "54999", "s3cret")))
    assert str(Settings().database_url) == (
        "postgresql+psycopg://contamap:s3cret@127.0.0.1:54999/contamap"
    )


@pytest.mark.usefixtures("no_database_url")
def test_without_a_cluster_the_default_is_the_compose_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONTAMAP_STATE_DIR", str(tmp_path / "nothing-here"))
    url = Settings().database_url
    assert (url.hosts()[0]["host"], url.hosts()[0]["port"]) == ("127.0.0.1", 5432)


def test_database_url_wins_over_the_cluster(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONTAMAP_STATE_DIR", str(_state(tmp_path / "state", "54999", "s3cret")))
    monkeypatch.setenv("DATABASE_URL", "postgresql://someone:pw@db.example:6543/elsewhere")
    assert Settings().database_url.hosts()[0]["port"] == 6543


@pytest.mark.usefixtures("no_database_url")
def test_the_cli_connects_to_the_running_embedded_cluster(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The check `contamap serve` makes on start connects, with no DATABASE_URL, to the
    cluster whose port and password `scripts/pgcluster.sh url` gives: it reads the server's
    max_connections and finds 1,000 workers too many (a connection refused says nothing)."""
    answer = subprocess.run(
        [str(PGCLUSTER), "url"], capture_output=True, text=True, check=False, timeout=30
    )
    if answer.returncode != 0:
        pytest.skip("no embedded cluster in this checkout (DATABASE_URL names another server)")
    cluster = make_url(answer.stdout.strip())
    tested = make_url(database_url)
    if (cluster.host, cluster.port) != (tested.host, tested.port):
        pytest.skip("the suite runs on another server than the embedded cluster")
    settings = get_settings()
    assert settings.database_url.hosts()[0]["port"] == cluster.port
    _warn_if_over_max_connections(settings, 1000)
    assert "1000 workers may open" in capsys.readouterr().err
