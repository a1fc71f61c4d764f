"""Saving the workspace's shared files — the facility inventory, the walking network and the study area —
as store writes.

Pages and commands never write these files themselves: each save here is refused for a viewer,
records the person and a version in the workspace's layer catalogue and history
(:meth:`renewal.storage.layers.LayerStore.replace_files`), and writes the file atomically inside
that transaction. A stale replace (the planner saw an older version) is refused.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd

from renewal.analysis.facilities import (
    load_workspace_facilities,
    workspace_facilities_path,
    write_facilities_file,
)
from renewal.analysis.network import WalkNetwork
from renewal.analysis.network_files import save_network, workspace_network_path
from renewal.analysis.study_area import (
    DEFAULT_AREA_NAME,
    StudyArea,
    default_study_area,
    read_area_file,
    workspace_area_path,
    write_area_file,
)
from renewal.storage.access import Actor, require_editor
from renewal.storage.layers import FileChange, ImportedLayer, open_layers, to_blob


def facilities_version(workspace: Path | None = None) -> int:
    """The version of the workspace's facility inventory as recorded (0: none recorded)."""
    entry = open_layers(workspace).get("facilities")
    return entry.version if entry is not None else 0


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
) -> ImportedLayer:
    """Replace the workspace's facility inventory for ``actor``; recorded with a history row and a version."""
    require_editor(actor)
    expected = {"facilities": expected_version} if expected_version is not None else None
    (entry,) = open_layers(workspace).replace_files(
        [_facilities_change(gdf, workspace, source_file)], actor=actor, expected=expected
    )
    return entry


def save_network_for(
    net: WalkNetwork, *, actor: Actor, workspace: Path | None = None, source_file: str = ""
) -> ImportedLayer:
    """Replace the workspace's walking network for ``actor`` (recorded; the old network is not kept)."""
    require_editor(actor)
    (entry,) = open_layers(workspace).replace_files(
        [_network_change(net, workspace, source_file)], actor=actor
    )
    return entry


def save_osm_import(
    net: WalkNetwork,
    facilities: gpd.GeoDataFrame,
    *,
    actor: Actor,
    workspace: Path | None = None,
    source_file: str = "",
) -> list[ImportedLayer]:
    """An OpenStreetMap import's network and facilities, recorded and swapped in together: a kill at any
    point leaves the old pair or the new one (:meth:`~renewal.storage.layers.LayerStore.replace_files`)."""
    require_editor(actor)
    changes = [
        _network_change(net, workspace, source_file),
        _facilities_change(facilities, workspace, source_file),
    ]
    return open_layers(workspace).replace_files(changes, actor=actor)


def _area_change(area: StudyArea, workspace: Path | None) -> FileChange:
    return FileChange(
        "study_area",
        workspace_area_path(workspace),
        lambda path: write_area_file(area, path),
        area.name,
        1,
    )


def save_study_area(geometry, name: str, *, actor: Actor, workspace: Path | None = None) -> StudyArea:
    """Make ``geometry`` (a WGS84 polygon, e.g. from :func:`renewal.analysis.study_area.read_area`) the
    workspace's study area, named ``name``, for ``actor``; recorded with a history row and a version."""
    require_editor(actor)
    area = StudyArea(str(name).strip()[:100] or "研究范围", geometry, is_default=False)
    open_layers(workspace).replace_files([_area_change(area, workspace)], actor=actor)
    return current_study_area(workspace)


def restore_study_area(*, actor: Actor, workspace: Path | None = None) -> StudyArea:
    """Back to the bundled district (recorded like any other change of the study area)."""
    require_editor(actor)
    open_layers(workspace).replace_files([_area_change(default_study_area(), workspace)], actor=actor)
    return current_study_area(workspace)


def current_study_area(workspace: Path | None = None) -> StudyArea:
    """The workspace's study area with who set it and when; the district when none was ever set."""
    path = workspace_area_path(workspace)
    entry = open_layers(workspace).get("study_area")
    if not path.exists() or entry is None:
        return default_study_area()
    name, geometry, is_default = read_area_file(path)
    return StudyArea(name or DEFAULT_AREA_NAME, geometry, is_default, entry.who, entry.imported_at)
