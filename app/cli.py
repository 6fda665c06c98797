"""The ``contamap`` command: migrate, load, import, serve."""

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from alembic import command
from alembic.config import Config
from rich.progress import Progress
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from app.catalog import COLLECTIONS
from app.core.config import Settings, get_settings
from app.core.db import make_command_engine
from app.errors import ContamapError
from app.schemas.imports import ImportReport
from app.services.accounts import create_user, disable_user, list_users, reset_password
from app.services.auth import Caller, create_key, list_keys, revoke_key
from app.services.import_process import ReadLimits
from app.services.imports import ImportOptions, parse_mapping
from app.services.imports import import_file as import_file_into
from app.services.loader import BUNDLED_DATA, count_features, load_bundled, refresh_statistics
from app.services.reports import purge_contacts
from app.services.sync import SyncOptions, sync_package

ALEMBIC_INI = Path(__file__).resolve().parents[1] / "alembic.ini"
GRACEFUL_SHUTDOWN_S = 30  # requests in flight get this long to finish on SIGTERM
RESERVED_CONNECTIONS = 10
cli = typer.Typer(help="Contamap: contamination maps and statistics.", no_args_is_help=True)


def alembic_config(url: str | None = None) -> Config:
    """The Alembic configuration of the project, on the given or configured database."""
    config = Config(str(ALEMBIC_INI))
    config.attributes["url"] = url or get_settings().sqlalchemy_url
    return config


@cli.command()
def migrate(revision: str = "head") -> None:
    """Upgrade the database schema (alembic upgrade)."""
    command.upgrade(alembic_config(), revision)


@contextmanager
def _transaction(command_name: str) -> Iterator[Session]:
    """One transaction for the command; a refusal is said in one line and nothing is written."""
    engine = make_command_engine(get_settings())
    try:
        with Session(engine) as session, session.begin():
            yield session
    except ContamapError as exc:
        typer.echo(f"contamap {command_name}: nothing was written: {exc.description}", err=True)
        raise typer.Exit(1) from exc
    except DBAPIError as exc:  # the database's own checks: an invalid geometry, a bad value
        reason = getattr(getattr(exc.orig, "diag", None), "message_primary", None) or exc.orig
        typer.echo(
            f"contamap {command_name}: nothing was written: the database refused it: {reason}",
            err=True,
        )
        raise typer.Exit(1) from exc
    finally:
        engine.dispose()


@cli.command()
def load(
    data_dir: Annotated[
        Path, typer.Option(help="folder of the layers' GeoJSON files")
    ] = BUNDLED_DATA,
    if_empty: Annotated[
        bool,
        typer.Option(
            "--if-empty", help="load only into an empty database (a deployment's first start)"
        ),
    ] = False,
) -> None:
    """Load the bundled dataset; running it again updates in place and never duplicates."""
    with _transaction("load") as session:
        if if_empty and any(count_features(session).values()):
            typer.echo("the database already holds features: nothing loaded")
            return
        counts = load_bundled(session, data_dir)
    typer.echo("loaded " + ", ".join(f"{name}: {count}" for name, count in counts.items()))


@cli.command("import")
def import_file(
    layer: Annotated[str, typer.Argument(help=f"one of the collections: {', '.join(COLLECTIONS)}")],
    path: Annotated[
        Path,
        typer.Argument(
            help="GeoJSON, GeoPackage, Shapefile (.shp or zipped), FlatGeobuf, KML or CSV "
            "(a WKT column, or longitude and latitude columns)"
        ),
    ],
    source_layer: Annotated[
        str | None, typer.Option(help="the file's layer, when it holds several")
    ] = None,
    crs: Annotated[
        str | None, typer.Option(help="the file's CRS when it does not say (EPSG:32638)")
    ] = None,
    mapping: Annotated[
        list[str] | None,
        typer.Option("--map", help="property=column, for each column named otherwise"),
    ] = None,
    dry_run: Annotated[bool, typer.Option(help="check and report, write nothing")] = False,
    skip_invalid: Annotated[
        bool, typer.Option(help="write the good rows and report the others")
    ] = False,
    make_valid: Annotated[bool, typer.Option(help="repair invalid geometries")] = False,
) -> None:
    """Import a layer's features from a file, upserted by code; all or nothing by default."""
    options = ImportOptions(
        source_layer=source_layer,
        crs=crs,
        mapping=parse_mapping(mapping or []),
        dry_run=dry_run,
        skip_invalid=skip_invalid,
        make_valid=make_valid,
        limits=ReadLimits.from_settings(get_settings()),
    )
    with _transaction("import") as session, Progress(transient=True) as progress:
        task = progress.add_task(f"importing {path.name}", total=None)
        report = import_file_into(
            session, layer, path, options, lambda rows: progress.advance(task, rows)
        )
        if report.refused_whole_file:
            session.rollback()
    _print_report(report)
    if report.refused_whole_file:
        raise typer.Exit(1)


def _print_report(report: ImportReport) -> None:
    for row in report.refused:
        code = f" ({row.code})" if row.code is not None else ""
        typer.echo(f"row {row.position}{code}: {row.field}: {row.reason}", err=True)
    verb = "would write" if report.dry_run else "wrote"
    if report.refused_whole_file:
        outcome = "the file would be refused" if report.dry_run else "nothing was written"
        others = "no row is good" if report.skip_invalid else "--skip-invalid writes the others"
        typer.echo(
            f"contamap import: {outcome}: {len(report.refused)} of {report.rows} "
            f"rows break a rule ({others})",
            err=True,
        )
        return
    written = report.valid if report.dry_run else report.written
    typer.echo(
        f"{report.file}: {report.rows} rows, {verb} {written} {report.layer}, refused "
        f"{len(report.refused)}, repaired {report.repaired}, in {report.seconds} s "
        f"({report.rows_per_second} rows/s)"
    )


@cli.command()
def sync(
    package: Annotated[Path, typer.Argument(help="the edited district package (.gpkg)")],
    dry_run: Annotated[bool, typer.Option(help="report, write nothing")] = False,
    delete: Annotated[
        bool, typer.Option(help="delete the features deleted in the file (else reported)")
    ] = False,
    actor: Annotated[
        str, typer.Option(help="the name the history gives the changes")
    ] = "contamap sync",
) -> None:
    """Apply an edited district package: what changed in the file is written where the server
    still has the version it was exported at; conflicts are reported, not written. Prints the
    report (JSON); exits 2 when there are conflicts."""
    caller = Caller(key_id=0, name=actor, role="admin")  # whoever runs it has the database
    options = SyncOptions(dry_run=dry_run, delete=delete)
    if not package.is_file():
        raise typer.BadParameter(f"no file {package}")
    with _transaction("sync") as session:
        public = get_settings().public_url
        base = str(public).rstrip("/") if public is not None else ""
        report = sync_package(session, package, caller, options, base)
    typer.echo(report.model_dump_json(indent=2))
    if report.conflicts:
        raise typer.Exit(2)


@cli.command()
def refresh() -> None:
    """Rebuild every statistic, after tables were changed with the database's triggers disabled.

    Writes through Contamap (load, import) or plain SQL refresh the statistics themselves.
    """
    with _transaction("refresh") as session:
        version = refresh_statistics(session)
    typer.echo(f"refreshed the statistics at data version {version}")


apikey = typer.Typer(
    help="API keys: who may write (operator: its organisation's tasks and reports; editor: "
    "zones, incidents and any task; admin: all, and approves reports)."
)
cli.add_typer(apikey, name="apikey")


@apikey.command("create")
def apikey_create(
    holder: Annotated[
        str | None, typer.Argument(help="who holds the key (shown in the history)")
    ] = None,
    name: Annotated[str | None, typer.Option(help="the same as the argument")] = None,
    role: Annotated[
        str, typer.Option(help="viewer (reads only), operator, editor or admin")
    ] = "editor",
    organisation: Annotated[
        str | None, typer.Option(help="an operator's organisation (its code)")
    ] = None,
) -> None:
    """Create a key; it is printed once, alone on the last line, and stored only as a hash."""
    name = holder or name
    if not name:
        raise typer.BadParameter("name the key's holder: contamap apikey create NAME")
    with _transaction("apikey create") as session:
        key = create_key(session, name, role, organisation)
    typer.echo(f"created the {role} key {name!r}; keep it now, it is shown only once:")
    typer.echo(key)


@apikey.command("list")
def apikey_list() -> None:
    """Every key: name, role, created, last used, revoked."""
    with _transaction("apikey list") as session:
        for key in list_keys(session):
            typer.echo(
                f"{key.name}\t{key.role}{' of ' + key.organisation if key.organisation else ''}"
                f"\tcreated {key.created_at:%Y-%m-%d %H:%M}"
                f"\tlast used {key.last_used_at or 'never'}"
                f"{chr(9) + 'revoked ' + str(key.revoked_at) if key.revoked_at else ''}"
            )


@apikey.command("revoke")
def apikey_revoke(name: Annotated[str, typer.Argument(help="the key's name")]) -> None:
    """Revoke a key: it is refused from now on (401)."""
    with _transaction("apikey revoke") as session:
        revoke_key(session, name)
    typer.echo(f"revoked the key {name!r}")


users = typer.Typer(
    help="People who sign in on the map: viewer (reads), operator (its organisation's tasks and "
    "reports), editor, admin. The password is read from standard input, never an argument."
)
cli.add_typer(users, name="user")


def _password_from_stdin() -> str:
    """The password: the first line of standard input (a terminal asks for it, unechoed)."""
    if sys.stdin.isatty():
        return str(typer.prompt("password", hide_input=True, confirmation_prompt=True))
    return sys.stdin.readline().rstrip("\r\n")


@users.command("create")
def user_create(
    name: Annotated[str, typer.Argument(help="the name to sign in with")],
    role: Annotated[str, typer.Option(help="viewer, operator, editor or admin")],
    organisation: Annotated[
        str | None, typer.Option(help="an operator's organisation (its code)")
    ] = None,
) -> None:
    """Create a user; the password comes from standard input and is stored as a hash."""
    password = _password_from_stdin()
    with _transaction("user create") as session:
        create_user(session, name, role, organisation, password)
    typer.echo(f"created the {role} {name!r}")


@users.command("list")
def user_list() -> None:
    """Every user: name, role (and organisation), created, disabled."""
    with _transaction("user list") as session:
        for user in list_users(session):
            typer.echo(
                f"{user.name}\t{user.role}{' of ' + user.organisation if user.organisation else ''}"
                f"\tcreated {user.created_at:%Y-%m-%d %H:%M}"
                f"{chr(9) + 'disabled ' + str(user.disabled_at) if user.disabled_at else ''}"
            )


@users.command("disable")
def user_disable(name: Annotated[str, typer.Argument(help="the user's name")]) -> None:
    """Disable a user: their sessions end at once and they can no longer sign in."""
    with _transaction("user disable") as session:
        ended = disable_user(session, name)
    typer.echo(f"disabled {name!r}; ended {ended} sessions")


@users.command("reset-password")
def user_reset_password(name: Annotated[str, typer.Argument(help="the user's name")]) -> None:
    """Set a user's password from standard input; their sessions end."""
    password = _password_from_stdin()
    with _transaction("user reset-password") as session:
        ended = reset_password(session, name, password)
    typer.echo(f"set a new password for {name!r}; ended {ended} sessions")


reports = typer.Typer(help="Residents' reports: the retention of their contact details.")
cli.add_typer(reports, name="reports")


@reports.command("purge-contacts")
def reports_purge_contacts(
    days: Annotated[
        int | None,
        typer.Option(
            min=1, help="keep this many days (default CONTAMAP_REPORT_CONTACT_RETENTION_DAYS, 90)"
        ),
    ] = None,
) -> None:
    """Delete the phone number and photo of reports older than the retention period; nothing
    else of them changes. Run it daily (cron, a systemd timer)."""
    retention = days or get_settings().report_contact_retention_days
    with _transaction("reports purge-contacts") as session:
        purged = purge_contacts(session, retention)
    typer.echo(f"deleted the contact details of {len(purged)} reports older than {retention} days")


SHARED_TILES = "CONTAMAP_SHARED_TILES_DIR"  # set by serve for its workers, never by hand


@cli.command()
def serve(
    host: Annotated[str | None, typer.Option(help="address to listen on (HOST)")] = None,
    port: Annotated[int | None, typer.Option(help="port to listen on (PORT)")] = None,
    workers: Annotated[
        int | None,
        typer.Option(help="worker processes (CONTAMAP_WORKERS; default: the number of cores)"),
    ] = None,
    reload: bool = False,
) -> None:
    """Serve the API and the web map with several worker processes, one per core by default."""
    import uvicorn

    settings = get_settings()
    processes = 1 if reload else (workers or settings.workers)
    _warn_if_over_max_connections(settings, processes)
    with _shared_tiles(settings, processes):
        uvicorn.run(
            "app.main:app",
            host=host or settings.host,
            port=port or settings.port,
            reload=reload,
            workers=processes,
            proxy_headers=True,
            forwarded_allow_ips=settings.forwarded_allow_ips,
            timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S,
            # httptools, with the request head bounded as h11 bounds it (app/server.py).
            http="app.server:BoundedHttpToolsProtocol",
            h11_max_incomplete_event_size=settings.max_header_bytes,
        )


@contextmanager
def _shared_tiles(settings: Settings, workers: int) -> Iterator[None]:
    """A directory of this server's own, made private in TMPDIR, where its workers share the
    tiles they build; removed when the server stops. Its workers find it in their environment.

    Never one given beforehand: a directory that outlived its server could hold tiles of
    another database at the same versions.
    """
    os.environ.pop(SHARED_TILES, None)
    get_settings.cache_clear()  # a single worker runs in this process: no directory for it
    if workers < 2 or settings.shared_tiles_mb == 0:
        yield
        return
    with tempfile.TemporaryDirectory(prefix="contamap-tiles-") as directory:
        os.environ[SHARED_TILES] = directory
        try:
            yield
        finally:
            del os.environ[SHARED_TILES]


def _warn_if_over_max_connections(settings: Settings, workers: int) -> None:
    """Say so when the workers' pools, full, could exceed PostgreSQL's max_connections."""
    engine = make_command_engine(settings)
    try:
        with engine.connect() as conn:
            limit = int(conn.execute(text("SHOW max_connections")).scalar_one())
    except DBAPIError:
        return  # the database is not up yet: the app reports it on /health
    finally:
        engine.dispose()
    wanted = workers * settings.connections_per_worker
    if wanted > limit - RESERVED_CONNECTIONS:
        typer.echo(
            f"contamap serve: {workers} workers may open {wanted} connections, but the database "
            f"allows {limit} ({RESERVED_CONNECTIONS} kept for loads and maintenance); lower "
            "CONTAMAP_WORKERS or CONTAMAP_POOL_SIZE / CONTAMAP_MAX_OVERFLOW",
            err=True,
        )


def main() -> None:
    """Entry point of the ``contamap`` script."""
    cli()
