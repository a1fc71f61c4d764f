"""The storage seam: what pages and the CLI may ask of a site store, whatever its backend.

Backends (the GeoPackage workspace in :mod:`renewal.storage.gpkg`; a database
backend later) implement :class:`SiteRepository` and pass the one contract test
suite in ``tests/test_store.py``. Every write is all-or-nothing; a save carries
the version it started from and a newer stored version raises
:class:`~renewal.errors.ConflictError`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import geopandas as gpd
from shapely.geometry.base import BaseGeometry


@dataclass(frozen=True)
class Change:
    """One row of the history."""

    id: int
    at: str
    #: Who makes the changes: the signed-in person's name (recorded in the history), or a session id.
    session: str
    action: str  # create | update | delete | import | undo
    site_id: str
    before: dict[str, Any] | None  # GeoJSON feature (properties + geometry) or None
    after: dict[str, Any] | None
    undone_by: int | None


@runtime_checkable
class SiteRepository(Protocol):
    """A store of renewal sites with per-site versions, history and undo."""

    #: Who makes the changes: the signed-in person's name (recorded in the history), or a session id.
    session: str
    #: Notes of the last save or add (e.g. a self-intersecting polygon that was repaired).
    last_notes: list[str]

    @property
    def location(self) -> str:
        """Where the store is, for messages (a file path, or a database URL without its password)."""

    def sites(self) -> gpd.GeoDataFrame:
        """All sites (WGS84) with their ``version``."""

    def site(self, site_id: str) -> tuple[dict[str, Any], BaseGeometry, int]:
        """(properties, geometry, version) of one site; InputError if unknown."""

    def history(self, site_id: str | None = None, limit: int = 200) -> list[Change]:
        """Changes, newest first (optionally of one site)."""

    def save_site(
        self,
        site_id: str,
        props: Mapping[str, Any],
        geom: BaseGeometry,
        *,
        expected_version: int,
        fields: Iterable[str] | None = None,
    ) -> int:
        """Replace a site's attributes and geometry; return the new version (ConflictError if stale).

        With ``fields`` only those (site fields, ``"geometry"`` for the shape) are saved onto the stored
        site; the others keep their stored values (a field-level merge after a refused save)."""

    def add_site(self, props: Mapping[str, Any], geom: BaseGeometry) -> str:
        """Add a new site; return its id."""

    def add_sites(
        self, records: Iterable[tuple[Mapping[str, Any], BaseGeometry]], *, action: str = "import"
    ) -> list[str]:
        """Add many sites in one transaction (all or nothing); return their ids."""

    def delete_site(self, site_id: str, *, expected_version: int) -> None:
        """Delete a site (undoable)."""

    def undo(self, *, session: str | None = None) -> Change | None:
        """Undo the newest change not yet undone (of ``session`` if given); return it, or None."""


def changed_by_others(store: SiteRepository, site_id: str, opened: int, current: int) -> Change | None:
    """The newest change of ``site_id`` by someone other than ``store.session`` since version ``opened``.

    ``current`` is the site's version now. Every update and undo raises the version by one,
    so the changes since ``opened`` are the newest ``current - opened`` rows of the site's history.
    """
    if current <= opened:
        return None
    for change in store.history(site_id, limit=current - opened):
        if change.session != store.session:
            return change
    return None
