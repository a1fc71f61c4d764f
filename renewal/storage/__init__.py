"""Where planners' edits live: the storage seam and its backends.

:func:`open_store` is the one place a store is built (pages and the CLI call
it): the GeoPackage workspace by default, the team database (PostGIS) when a
``postgresql://`` URL is given (``database=`` or ``$RENEWAL_DATABASE_URL``).
:func:`current_sites` reads the store's catalogue, or the bundled one when no
store exists yet (reading never creates a store).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd

from renewal.auth import EDITOR
from renewal.errors import InputError
from renewal.settings import database_url, workspace_dir
from renewal.sites.query import bundled_sites
from renewal.storage.access import Actor
from renewal.storage.base import Change, SiteRepository
from renewal.storage.gpkg import STORE_FILE, GpkgStore

if TYPE_CHECKING:  # psycopg is loaded only when a database is used
    from renewal.storage.postgis import PostgisStore

__all__ = [
    "Change",
    "SiteRepository",
    "current_sites",
    "open_store",
    "resolve_database",
    "store_exists",
    "store_handle",
    "store_path",
]


def store_path(workspace: Path | None = None) -> Path:
    """Where the GeoPackage store lives: ``<workspace>/sites.gpkg`` (workspace defaults to settings)."""
    return Path(workspace if workspace is not None else workspace_dir()) / STORE_FILE


def resolve_database(database: str | None = None) -> str | None:
    """The team database URL to use: ``database`` if given, else ``$RENEWAL_DATABASE_URL``, else None."""
    url = (database if database is not None else database_url()) or None
    if url is not None and not url.startswith(("postgresql://", "postgres://")):
        raise InputError(
            "The database must be a postgresql:// URL (e.g. postgresql://user@host:5432/renewal).",
            "数据库地址必须是 postgresql:// 开头的连接地址。",
        )
    return url


def _postgis(url: str, session: str | None = None, role: str = EDITOR) -> PostgisStore:
    from renewal.storage.postgis import PostgisStore  # psycopg is loaded only when a database is used

    return PostgisStore(url, session=session, role=role)


def store_exists(workspace: Path | None = None, *, database: str | None = None) -> bool:
    """Whether the workspace (or team database) has a store already (before that, the bundled catalogue applies)."""
    url = resolve_database(database)
    if url:
        return _postgis(url).exists()
    return store_path(workspace).exists()


def open_store(
    workspace: Path | None = None,
    *,
    session: str | None = None,
    database: str | None = None,
    actor: Actor | None = None,
) -> GpkgStore | PostgisStore:
    """The site store, created and seeded from the bundled catalogue on first use.

    The team database if ``database`` (or ``$RENEWAL_DATABASE_URL``) is a ``postgresql://``
    URL, else the GeoPackage in ``workspace``. With ``actor`` the changes are recorded under
    their label and a viewer's store refuses every write; without it, under ``session``.
    """
    url = resolve_database(database)
    if actor is not None:
        session = actor.label
    role = actor.role if actor is not None else EDITOR
    if url:
        from renewal.storage.postgis import PostgisStore

        return PostgisStore.open(url, bundled_sites, session=session, role=role)
    return GpkgStore.open(store_path(workspace), bundled_sites, session=session, role=role)


def store_handle(
    workspace: Path | None = None, *, database: str | None = None, actor: Actor
) -> SiteRepository:
    """The store as :func:`open_store` gives it, but without touching it now (no creation, no migration
    check): for a page that keeps its form while the team database does not answer; every call on it
    tries the database again."""
    url = resolve_database(database)
    if url:
        return _postgis(url, session=actor.label, role=actor.role)
    return GpkgStore(store_path(workspace), session=actor.label, role=actor.role)


def current_sites(workspace: Path | None = None, *, database: str | None = None) -> gpd.GeoDataFrame:
    """The store's sites if a store exists, else the bundled catalogue. Never creates a store."""
    url = resolve_database(database)
    if url:
        store = _postgis(url)
        return store.sites() if store.exists() else bundled_sites()
    if store_exists(workspace):
        return GpkgStore(store_path(workspace)).sites()
    return bundled_sites()
