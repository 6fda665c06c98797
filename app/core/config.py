"""Settings, read once from the environment (prefix ``CONTAMAP_``)."""

import os
import subprocess
from functools import lru_cache
from pathlib import Path
from typing import Literal

from limits import parse as parse_rate
from pydantic import (
    AliasChoices,
    AnyHttpUrl,
    Field,
    PostgresDsn,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_PASSWORD = "contamap"  # noqa: S105 - the docker-compose development secret, refused in production
DEFAULT_DATABASE_URL = f"postgresql+psycopg://contamap:{DEFAULT_PASSWORD}@127.0.0.1:5432/contamap"
# The embedded cluster of a checkout (`make db`); the script alone knows where it keeps its
# port and password (.contamap/ or /var/lib/contamap/<hash>), so it is asked, not copied.
PGCLUSTER = Path(__file__).resolve().parents[2] / "scripts" / "pgcluster.sh"


def embedded_cluster_url() -> str | None:
    """The URL of this checkout's embedded cluster, as ``scripts/pgcluster.sh url`` prints it;
    None when there is no such script (an installed package, the image) or no cluster yet."""
    if not PGCLUSTER.is_file():
        return None
    try:
        answer = subprocess.run(  # noqa: S603 - a fixed script of the project, no user input
            [str(PGCLUSTER), "url"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    url = answer.stdout.strip()
    return url if answer.returncode == 0 and url else None


def _default_database_url() -> PostgresDsn:
    """Without DATABASE_URL: the embedded cluster when it exists, else the compose database."""
    return PostgresDsn(embedded_cluster_url() or DEFAULT_DATABASE_URL)


class Settings(BaseSettings):
    """Every setting of the service; ``DATABASE_URL`` is honoured without the prefix."""

    model_config = SettingsConfigDict(env_prefix="CONTAMAP_", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    database_url: PostgresDsn = Field(
        default_factory=_default_database_url,
        validation_alias=AliasChoices("CONTAMAP_DATABASE_URL", "DATABASE_URL"),
    )
    # Per worker process: reads (every GET) and writes (loads, imports, edits) have a pool each.
    # Reads (every GET) go to this database when set: a streaming replica of DATABASE_URL.
    database_read_url: PostgresDsn | None = None
    # The reads' pool has pool_size + max_overflow + async_pool_size connections, all kept
    # open; every read waits for any of them in one queue (app.core.db.Gate). 15 a worker:
    # 30 made the database's processes contend for 2 cores (docs/operations.md).
    pool_size: int = Field(default=5, ge=1, le=100)
    max_overflow: int = Field(default=5, ge=0, le=100)
    async_pool_size: int = Field(default=5, ge=1, le=100)
    write_pool_size: int = Field(default=2, ge=1, le=100)
    write_max_overflow: int = Field(default=3, ge=0, le=100)
    workers: int = Field(default_factory=lambda: os.cpu_count() or 1, ge=1, le=64)
    pool_timeout_s: int = Field(default=10, ge=1, le=120)  # wait for a free connection, then 503
    connect_timeout_s: int = Field(default=3, ge=1, le=60)
    statement_timeout_ms: int = Field(default=30_000, ge=100)
    idle_in_transaction_timeout_ms: int = Field(default=60_000, ge=1000)
    tile_cache_mb: int = Field(default=64, ge=0, le=4096)  # per worker process
    # The tiles the workers of one `contamap serve` share: files in a directory it makes in
    # TMPDIR and removes at exit (it sets CONTAMAP_SHARED_TILES_DIR for its workers).
    shared_tiles_mb: int = Field(default=64, ge=0, le=65536)  # written by each worker
    shared_tiles_dir: Path | None = None
    stats_cache_mb: int = Field(default=16, ge=0, le=4096)  # statistics answers, per worker
    cors_origins: list[str] = ["*"]
    host: str = Field(default="127.0.0.1", validation_alias=AliasChoices("CONTAMAP_HOST", "HOST"))
    port: int = Field(default=8000, validation_alias=AliasChoices("CONTAMAP_PORT", "PORT"))
    forwarded_allow_ips: str = "127.0.0.1"  # proxies trusted for X-Forwarded-* headers
    # Links are built from this when set; otherwise from an allowed Host (others get a 400).
    public_url: AnyHttpUrl | None = None
    allowed_hosts: list[str] = ["localhost", "127.0.0.1", "[::1]"]
    frame_ancestors: str = "'none'"  # the CSP directive: who may frame the HTML pages
    max_header_bytes: int = Field(default=64 * 1024, ge=4096)  # a request's headers, at most
    max_body_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)  # a written feature, at most
    # A request's head must arrive within this; its body within the next, plus a second for
    # every min_rate bytes received (Apache mod_reqtimeout's defaults): else 408 (app/server.py).
    request_head_timeout_s: float = Field(default=20, gt=0, le=3600)
    request_body_timeout_s: float = Field(default=20, gt=0, le=3600)
    request_body_min_rate: int = Field(default=500, ge=1)  # bytes a second
    # An upload is read in a process of its own, within these bounds (app/services/imports.py).
    import_seconds: int = Field(default=600, ge=1)  # wall-clock time to read and check a file
    import_memory_mb: int = Field(default=4096, ge=512)  # the reading process's address space
    import_unpacked_mb: int = Field(default=2048, ge=1)  # what a .zip may unpack to, at most
    read_requires_key: bool = False  # reads need a key too (any role)
    export_timeout_s: float = Field(default=120, gt=0)  # a GeoPackage or FlatGeobuf, at most
    # Wrong API keys allowed per client address, then 429 until the window moves on: the
    # `limits` library's notation, counted in each worker's memory (N workers allow N times).
    key_failures: str = "10/minute"
    # People's sign-in sessions (docs/operations.md): a session ends after this long without a
    # write, and at most this long after sign-in, whatever its use.
    session_idle_minutes: int = Field(default=8 * 60, ge=5, le=7 * 24 * 60)
    session_lifetime_hours: int = Field(default=7 * 24, ge=1, le=90 * 24)
    # Failed sign-ins allowed per account and per client address, then 429 until the window
    # moves on (the `limits` notation, counted in each worker's memory: N workers, N times).
    login_failures_per_account: str = "5/15minutes"
    login_failures_per_address: str = "20/15minutes"
    # Single sign-on (OpenID Connect) when an issuer is set: its client's id and secret, and the
    # ID token's claim that names the user (who must exist: `contamap user create`).
    oidc_issuer: AnyHttpUrl | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: str | None = None
    oidc_name_claim: str = "preferred_username"
    require_if_match: bool = False  # writes must name the version they change (else 428)
    # Residents' reports (POST /reports): rate limits in the `limits` notation, counted in
    # memory by each worker process (N workers allow N times these in all).
    report_limit_per_address: str = "5/minute;30/day"
    report_limit_global: str = "2/second;60/minute"  # the first smooths bursts of photos
    report_contact_retention_days: int = Field(default=90, ge=1)  # then phone and photo go
    report_sha_radius_m: int = Field(default=100, ge=10, le=5000)  # a verified SHA's buffer
    # Each new report is POSTed there, signed with HMAC-SHA256 of the secret.
    report_webhook_url: AnyHttpUrl | None = None
    report_webhook_secret: str | None = None
    report_webhook_attempts: int = Field(default=6, ge=1, le=20)
    report_webhook_backoff_s: float = Field(default=2.0, ge=0.0)  # doubled after each failure

    @field_validator("key_failures", "login_failures_per_account", "login_failures_per_address")
    @classmethod
    def _a_rate(cls, value: str) -> str:
        """A rate the limits library reads, such as 10/minute or 100/hour."""
        parse_rate(value)  # a ValueError names what is wrong
        return value

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> "Settings":
        """Outside development, refuse the well-known compose password."""
        if (
            self.environment == "production"
            and self.database_url.hosts()[0].get("password") == DEFAULT_PASSWORD
        ):
            raise ValueError("CONTAMAP_DATABASE_URL uses the default password in production")
        if self.report_webhook_url is not None and not self.report_webhook_secret:
            raise ValueError("CONTAMAP_REPORT_WEBHOOK_URL needs CONTAMAP_REPORT_WEBHOOK_SECRET")
        if self.oidc_issuer is not None and not self.oidc_client_id:
            raise ValueError("CONTAMAP_OIDC_ISSUER needs CONTAMAP_OIDC_CLIENT_ID")
        if self.environment == "test" and "testserver" not in self.allowed_hosts:
            self.allowed_hosts = [*self.allowed_hosts, "testserver"]  # the test client's Host
        return self

    @property
    def read_connections(self) -> int:
        """The replica's connections in one worker, every one a place at its gate."""
        return self.async_pool_size + self.pool_size + self.max_overflow

    @property
    def connections_per_worker(self) -> int:
        """The most connections one worker process opens: its two pools, full."""
        return self.read_connections + self.write_pool_size + self.write_max_overflow

    @property
    def sqlalchemy_url(self) -> str:
        """The database URL with the psycopg 3 driver, whatever scheme was given."""
        return _psycopg(str(self.database_url))

    @property
    def sqlalchemy_read_url(self) -> str:
        """Where reads go: the read replica when one is configured, else the database."""
        return _psycopg(str(self.database_read_url or self.database_url))


def _psycopg(url: str) -> str:
    scheme, rest = url.split("://", 1)
    return f"postgresql+psycopg://{rest}" if "+" not in scheme else url


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings."""
    return Settings()
