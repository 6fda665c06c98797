"""Settings, read once from the environment (prefix ``CONTAMAP_``)."""

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, AnyHttpUrl, Field, PostgresDsn, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_PASSWORD = "contamap"  # noqa: S105 - the docker-compose development secret, refused in production


class Settings(BaseSettings):
    """Every setting of the service; ``DATABASE_URL`` is honoured without the prefix."""

    model_config = SettingsConfigDict(env_prefix="CONTAMAP_", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    database_url: PostgresDsn = Field(
        default=PostgresDsn(
            f"postgresql+psycopg://contamap:{DEFAULT_PASSWORD}@127.0.0.1:5432/contamap"
        ),
        validation_alias=AliasChoices("CONTAMAP_DATABASE_URL", "DATABASE_URL"),
    )
    # Per worker process: reads (every GET) and writes (loads, imports, edits) have a pool each.
    # Reads (every GET) go to this database when set: a streaming replica of DATABASE_URL.
    database_read_url: PostgresDsn | None = None
    pool_size: int = Field(default=10, ge=1, le=100)
    max_overflow: int = Field(default=10, ge=0, le=100)
    # The hot reads (tiles) run on the event loop, through an asyncio pool of their own.
    async_pool_size: int = Field(default=10, ge=1, le=100)
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
    # An upload is read in a process of its own, within these bounds (app/services/imports.py).
    import_seconds: int = Field(default=600, ge=1)  # wall-clock time to read and check a file
    import_memory_mb: int = Field(default=4096, ge=512)  # the reading process's address space
    import_unpacked_mb: int = Field(default=2048, ge=1)  # what a .zip may unpack to, at most
    read_requires_key: bool = False  # reads need a key too (any role)
    require_if_match: bool = False  # writes must name the version they change (else 428)

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> "Settings":
        """Outside development, refuse the well-known compose password."""
        if (
            self.environment == "production"
            and self.database_url.hosts()[0].get("password") == DEFAULT_PASSWORD
        ):
            raise ValueError("CONTAMAP_DATABASE_URL uses the default password in production")
        if self.environment == "test" and "testserver" not in self.allowed_hosts:
            self.allowed_hosts = [*self.allowed_hosts, "testserver"]  # the test client's Host
        return self

    @property
    def connections_per_worker(self) -> int:
        """The most connections one worker process opens: its three pools, full."""
        reads = self.pool_size + self.max_overflow + self.async_pool_size
        return reads + self.write_pool_size + self.write_max_overflow

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
