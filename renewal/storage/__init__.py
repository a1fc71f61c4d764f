"""Where planners' edits live: the storage seam and its backends.

:func:`open_store` is the one place a store is built (pages and the CLI call
it); :func:`current_sites` reads the workspace catalogue, or the bundled one
when no store exists yet (reading never creates a store).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd

from renewal.settings import workspace_dir
from renewal.sites.query import bundled_sites
from renewal.storage.base import Change, SiteRepository
from renewal.storage.gpkg import STORE_FILE, GpkgStore

__all__ = ["Change", "SiteRepository", "current_sites", "open_store", "store_exists", "store_path"]


def store_path(workspace: Path | None = None) -> Path:
    """Where the GeoPackage store lives: ``<workspace>/sites.gpkg`` (workspace defaults to settings)."""
    return Path(workspace if workspace is not None else workspace_dir()) / STORE_FILE


def store_exists(workspace: Path | None = None) -> bool:
    """Whether the workspace has a store already (before that, the bundled catalogue applies)."""
    return store_path(workspace).exists()


def open_store(workspace: Path | None = None, *, session: str | None = None) -> SiteRepository:
    """The workspace's site store, seeded from the bundled catalogue on first use."""
    return GpkgStore.open(store_path(workspace), bundled_sites, session=session)


def current_sites(workspace: Path | None = None) -> gpd.GeoDataFrame:
    """Workspace sites if a store exists there, else the bundled catalogue. Never creates a store."""
    if store_exists(workspace):
        return GpkgStore(store_path(workspace)).sites()
    return bundled_sites()
