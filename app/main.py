"""Assemble the application: settings, engine, middleware, errors and routers."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles

from app.api import openapi
from app.api.caching import ETagMiddleware, FiguresCache, HeadMiddleware, SharedCheck
from app.api.deps import read_key, reject_unknown
from app.api.encoding import GZip
from app.api.routes import (
    auth,
    collections,
    docs,
    editing,
    health,
    imports,
    map,
    ogc,
    operations,
    reports,
    search,
    stats,
    sync,
    tiles,
)
from app.api.security import SecurityMiddleware
from app.core.compression import GZIP_MINIMUM_BYTES, GZIP_THREAD_BYTES
from app.core.config import Settings, get_settings
from app.core.db import (
    make_engine,
    make_probe_engine,
    one_statement_sessions,
    sessions,
)
from app.core.logging import withhold_positions
from app.core.memory import keep_freed_memory
from app.errors import install_error_handlers
from app.services.accounts import LoginThrottle
from app.services.auth import KeyThrottle
from app.services.oidc import oidc_client
from app.services.report_limits import ReportLimits
from app.services.tile_cache import SharedTiles, TileCache

STATIC = Path(__file__).resolve().parent / "static"
OPENAPI_TAGS = [
    {"name": name}
    for name in (
        "OGC API - Features",
        "OGC API - Features - Part 4: editing",
        "Imports",
        "Health",
        "Statistics",
        "Tiles",
        "Map",
        "Search",
        "Reports",
        "Accounts",
    )
]


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the FastAPI application; the engine is created when it starts."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        withhold_positions()
        keep_freed_memory()
        # One engine per database, the primary and the replica (the same database unless
        # a read URL is set); every read of the replica waits at its one gate (``gate_of``),
        # with as many places as its pool has connections.
        app.state.engine = engine = make_engine(settings)
        app.state.read_engine = read_engine = make_engine(settings, read_only=True)
        app.state.probe_engine = make_probe_engine(settings)
        app.state.sessionmaker = sessions(engine)
        app.state.read_sessionmaker = sessions(read_engine, read_only=True)
        app.state.one_statement_sessionmaker = one_statement_sessions(read_engine)
        yield
        await read_engine.dispose()
        await engine.dispose()

    app = FastAPI(
        title="Contamap",
        description=(
            "Landmine and explosive-ordnance contamination in Azerbaijan: districts, hazardous "
            "areas, incidents, the former line of contact and settlements, as OGC API - "
            "Features and Tiles, with "
            "contamination statistics. The bundled contaminated zones are a schematic scenario."
        ),
        version="0.1.0",
        openapi_tags=OPENAPI_TAGS,
        lifespan=lifespan,
        dependencies=[
            Depends(reject_unknown),
            *([Depends(read_key)] if settings.read_requires_key else []),
        ],
        docs_url=None,  # served by app/api/routes/docs.py from installed assets
        redoc_url=None,
        openapi_url=None,
        max_body_size=settings.max_body_bytes,  # a larger body is refused with a 413
    )
    app.state.settings = settings
    shared = None
    if settings.shared_tiles_dir is not None and settings.shared_tiles_mb > 0:
        shared = SharedTiles(settings.shared_tiles_dir, settings.shared_tiles_mb)
    app.state.tile_cache = TileCache(settings.tile_cache_mb, shared)
    app.state.figures_cache = FiguresCache(settings.stats_cache_mb)
    app.state.figures_checks = SharedCheck()
    app.state.key_throttle = KeyThrottle(settings.key_failures)
    app.state.oidc = oidc_client(settings)
    app.state.login_throttle = LoginThrottle(
        settings.login_failures_per_account, settings.login_failures_per_address
    )
    app.state.report_limits = ReportLimits.from_settings(
        settings.report_limit_per_address, settings.report_limit_global
    )
    app.add_middleware(ETagMiddleware)
    app.add_middleware(HeadMiddleware)
    app.add_middleware(  # the level by the answer's size: sent_level
        GZip, minimum_size=GZIP_MINIMUM_BYTES, thread_minimum_size=GZIP_THREAD_BYTES
    )
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"],
        allow_headers=["*"],
        expose_headers=["ETag", "Content-Crs", "Link", "Location", "Contamap-Geometry-Repaired"],
    )
    # Outermost: an unknown Host is refused before anything else runs.
    app.add_middleware(
        SecurityMiddleware,
        allowed_hosts=settings.allowed_hosts,
        frame_ancestors=settings.frame_ancestors,
        vary=settings.public_url is None,
    )
    install_error_handlers(app)
    openapi.install(app)
    # Routes are matched in this order: tiles first, the requests a map makes most (matching
    # six routers' paths first took 7 % of a tile's time). The documentation's groups keep
    # their order by OPENAPI_TAGS.
    app.include_router(tiles.router)
    app.include_router(ogc.router)
    app.include_router(collections.router)
    app.include_router(editing.router)
    app.include_router(imports.router)
    app.include_router(sync.router)
    app.include_router(health.router)
    app.include_router(stats.router)
    app.include_router(operations.router)
    app.include_router(map.router)
    app.include_router(docs.router)
    app.include_router(search.router)
    app.include_router(reports.router)
    app.include_router(auth.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app


app = create_app()
