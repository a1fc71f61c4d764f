"""Saving the workspace's shared files — the facility inventory, the walking network and the study area —
as store writes.

Pages and commands never write these files themselves: each save here is refused for a viewer,
records the person and a version in the workspace's layer catalogue and history
(:meth:`renewal.storage.layers.LayerStore.replace_files`), and writes the file atomically inside
that transaction. A stale replace (the planner saw an older version) is refused. With a team database
(``database=`` or ``$RENEWAL_DATABASE_URL``) the files are saved whole in it and this server's copies
are its cache (:mod:`renewal.storage.postgis_layers`).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
from shapely.geometry.base import BaseGeometry

from renewal.analysis.facilities import (
    load_workspace_facilities,
    workspace_facilities_path,
    write_facilities_file,
)
from renewal.analysis.network import WalkNetwork
from renewal.analysis.network_files import save_network, workspace_network_path
from renewal.analysis.osm_review import decisions_path, write_decisions
from renewal.analysis.study_area import (
    DEFAULT_AREA_NAME,
    StudyArea,
    default_study_area,
    read_area_file,
    workspace_area_path,
    write_area_file,
)
from renewal.landuse_colors import ColorTable, read_table_file, workspace_table_path, write_table_file
from renewal.storage.access import Actor, require_editor
from renewal.storage.layer_stores import open_layer_store
from renewal.storage.layers import FileChange, ImportedLayer, to_blob


def facilities_version(workspace: Path | None = None, *, database: str | None = None) -> int:
    """The version of the facility inventory as recorded (0: none recorded): the team database's when
    ``database`` (or ``$RENEWAL_DATABASE_URL``) names one, else the workspace's."""
    entry = open_layer_store(workspace, database=database).get("facilities")
    return entry.version if entry is not None else 0


def _replace(
    changes: list[FileChange],
    actor: Actor,
    workspace: Path | None,
    database: str | None,
    expected: dict[str, int] | None = None,
) -> list[ImportedLayer]:
    """Record and write ``changes`` in the store (the team database's or the workspace's); with a team
    database this server's cached copies are brought up to date at once."""
    store = open_layer_store(workspace, database=database)
    out = store.replace_files(changes, actor=actor, expected=expected)
    store.sync(workspace)
    return out


def _facilities_change(gdf: gpd.GeoDataFrame, workspace: Path | None, source_file: str) -> FileChange:
    def previous() -> bytes | None:
        old = load_workspace_facilities(workspace) if workspace_facilities_path(workspace).exists() else None
        return to_blob(old) if old is not None else None

    return FileChange(
        "facilities",
        workspace_facilities_path(workspace),
        lambda path: write_facilities_file(gdf, path),
        source_file,
        len(gdf),
        previous,
    )


def _network_change(net: WalkNetwork, workspace: Path | None, source_file: str) -> FileChange:
    return FileChange(
        "network",
        workspace_network_path(workspace),
        lambda path: save_network(net, path),
        source_file,
        int(net.report.get("edges", 0) or 0),
    )


def save_facilities(
    gdf: gpd.GeoDataFrame,
    *,
    actor: Actor,
    workspace: Path | None = None,
    source_file: str = "",
    expected_version: int | None = None,
    database: str | None = None,
) -> ImportedLayer:
    """Replace the workspace's facility inventory for ``actor``; recorded with a history row and a version."""
    require_editor(actor)
    expected = {"facilities": expected_version} if expected_version is not None else None
    (entry,) = _replace(
        [_facilities_change(gdf, workspace, source_file)], actor, workspace, database, expected
    )
    return entry


def save_network_for(
    net: WalkNetwork,
    *,
    actor: Actor,
    workspace: Path | None = None,
    source_file: str = "",
    database: str | None = None,
) -> ImportedLayer:
    """Replace the workspace's walking network for ``actor`` (recorded; the old network is not kept)."""
    require_editor(actor)
    (entry,) = _replace([_network_change(net, workspace, source_file)], actor, workspace, database)
    return entry


def save_osm_import(
    net: WalkNetwork,
    facilities: gpd.GeoDataFrame,
    *,
    actor: Actor,
    workspace: Path | None = None,
    source_file: str = "",
    database: str | None = None,
) -> list[ImportedLayer]:
    """An OpenStreetMap import's network and facilities, recorded and swapped in together: a kill at any
    point leaves the old pair or the new one (:meth:`~renewal.storage.layers.LayerStore.replace_files`)."""
    require_editor(actor)
    changes = [
        _network_change(net, workspace, source_file),
        _facilities_change(facilities, workspace, source_file),
    ]
    return _replace(changes, actor, workspace, database)


def _area_change(area: StudyArea, workspace: Path | None) -> FileChange:
    return FileChange(
        "study_area",
        workspace_area_path(workspace),
        lambda path: write_area_file(area, path),
        area.name,
        1,
    )


def save_study_area(
    geometry: BaseGeometry,
    name: str,
    *,
    actor: Actor,
    workspace: Path | None = None,
    database: str | None = None,
) -> StudyArea:
    """Make ``geometry`` (a WGS84 polygon, e.g. from :func:`renewal.analysis.study_area.read_area`) the
    study area, named ``name``, for ``actor``; recorded with a history row and a version (in the team
    database when one is set, so every server computes on it)."""
    require_editor(actor)
    area = StudyArea(str(name).strip()[:100] or "研究范围", geometry, is_default=False)
    _replace([_area_change(area, workspace)], actor, workspace, database)
    return current_study_area(workspace, database=database)


def restore_study_area(
    *, actor: Actor, workspace: Path | None = None, database: str | None = None
) -> StudyArea:
    """Back to the bundled district (recorded like any other change of the study area)."""
    require_editor(actor)
    _replace([_area_change(default_study_area(), workspace)], actor, workspace, database)
    return current_study_area(workspace, database=database)


def current_study_area(workspace: Path | None = None, *, database: str | None = None) -> StudyArea:
    """The study area with who set it and when; the district when none was ever set. With a team database
    the record is the database's (the local file is its cache, brought up to date by the pages' sync)."""
    path = workspace_area_path(workspace)
    entry = open_layer_store(workspace, database=database).get("study_area")
    if not path.exists() or entry is None:
        return default_study_area()
    name, geometry, is_default = read_area_file(path)
    return StudyArea(name or DEFAULT_AREA_NAME, geometry, is_default, entry.who, entry.imported_at)


def save_osm_review(
    decisions: dict[str, tuple[str, ...]],
    *,
    actor: Actor,
    workspace: Path | None = None,
    database: str | None = None,
) -> ImportedLayer:
    """Keep the OSM review decisions (by OSM id) for ``actor``: recorded with a history row and a version,
    in the team database when one is set (every server's next import applies them)."""
    require_editor(actor)
    change = FileChange(
        "osm_review",
        decisions_path(workspace),
        lambda path: write_decisions(decisions, path),
        "审核意见",
        len(decisions),
    )
    return _replace([change], actor, workspace, database)[0]


def save_landuse_colors(
    table: ColorTable, *, actor: Actor, workspace: Path | None = None, database: str | None = None
) -> ImportedLayer:
    """Make ``table`` (checked by :func:`renewal.landuse_colors.read_color_table`) the workspace's land-use
    colour table for ``actor``: recorded with a history row and a version, in the team database when one
    is set (every server's maps then offer it)."""
    require_editor(actor)
    change = FileChange(
        "landuse_colors",
        workspace_table_path(workspace),
        lambda path: write_table_file(table, path),
        table.source or "用地分类配色表",
        len(table.entries),
    )
    return _replace([change], actor, workspace, database)[0]


def current_landuse_colors(
    workspace: Path | None = None, *, database: str | None = None
) -> tuple[ColorTable, ImportedLayer] | None:
    """The workspace's colour table with its record (who, when, version); None when none was loaded.
    :class:`~renewal.errors.InputError` when the kept file is not a valid table."""
    path = workspace_table_path(workspace)
    entry = open_layer_store(workspace, database=database).get("landuse_colors")
    if entry is None or not path.exists():
        return None
    return read_table_file(path), entry
