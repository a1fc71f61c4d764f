"""Facilities and the walking network from an OpenStreetMap extract, in one pass.

:func:`import_osm` streams a ``.osm.pbf`` (a regional extract such as China
or Tianjin from Geofabrik) with osmium: node locations are cached in C++
(in memory for small files, in a temporary file on disk for large ones) and
only objects carrying a ``highway`` or a facility key reach Python. It keeps

* walking ways (:func:`renewal.analysis.network_files.is_walkable`) with at
  least one node inside the clip area (the district plus ``buffer_m``), noded
  at shared OSM nodes (:func:`~renewal.analysis.network_files.network_from_osm_ways`);
* facilities (nodes, and closed ways at the centroid of their nodes) inside
  the clip area, classified by the ``osm_tags`` rules of the standards file.

Objects with a facility key that no rule matches are counted in
``unclassified`` (by their tag), never dropped silently. Multipolygon
relations (a few large school campuses) are not read; that is reported too.
"""

from __future__ import annotations

import os
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

import geodata
from renewal.analysis.facilities import FACILITY_FIELDS, save_workspace_facilities, workspace_facilities_path
from renewal.analysis.network import WalkNetwork
from renewal.analysis.network_files import (
    is_walkable,
    network_from_osm_ways,
    save_network,
    workspace_network_path,
)
from renewal.crs import METRIC_EPSG, STORAGE_EPSG
from renewal.errors import InputError
from renewal.io.atomic import atomic_output, backup_folder, keep_backup, remove_stale
from renewal.settings import workspace_dir
from renewal.standards import Standards, load_standards

#: Files larger than this keep the node-location cache on disk (memory stays small).
DISK_CACHE_BYTES = 200 * 1024 * 1024
DEFAULT_BUFFER_M = 1000.0


@dataclass
class OsmImport:
    """What :func:`import_osm` found."""

    network: WalkNetwork
    facilities: gpd.GeoDataFrame  # FACILITY_FIELDS + osm_id, osm_tags; WGS84
    unclassified: pd.DataFrame  # tag, count
    counts: pd.DataFrame  # category, name_zh, count
    report: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Rule:
    categories: tuple[str, ...]
    tags: tuple[tuple[str, tuple[str, ...]], ...]
    name_contains: tuple[str, ...] = ()


@dataclass(frozen=True)
class TagMapping:
    candidates: tuple[str, ...]
    candidate_values: dict
    rules: tuple[Rule, ...]

    def is_candidate(self, tags) -> str:
        """The facility tag (``key=value``) of an object, or "" when it has none."""
        for key in self.candidates:
            value = tags.get(key)
            if value is None:
                continue
            allowed = self.candidate_values.get(key)
            if allowed is None or value in allowed:
                return f"{key}={value}"
        return ""

    def classify(self, tags) -> tuple[str, ...]:
        """The categories of the first matching rule (empty when none matches)."""
        name = (tags.get("name:zh") or "") + (tags.get("name") or "")
        for rule in self.rules:
            if all(_value_matches(tags.get(k), allowed) for k, allowed in rule.tags) and (
                not rule.name_contains or any(w in name for w in rule.name_contains)
            ):
                return rule.categories
        return ()


def _value_matches(value, allowed) -> bool:
    if value is None:
        return False
    parts = {p.strip() for p in str(value).split(";")}
    for a in allowed:
        if a == "*" or (";" in a and set(a.split(";")) <= parts) or a in parts:
            return True
    return False


def load_tag_mapping(standards: Standards) -> TagMapping:
    """The ``osm_tags`` section of the standards file, validated against its categories."""
    raw = standards.osm_tags
    if not raw.get("rules"):
        raise InputError(
            f"The standards file {standards.path} has no osm_tags rules.",
            f"标准文件 {standards.path} 中没有 osm_tags 规则。",
        )
    rules = []
    for r in raw["rules"]:
        cats = tuple(r.get("categories") or ())
        unknown = [c for c in cats if c not in standards.categories]
        if not cats or unknown or not isinstance(r.get("tags"), dict):
            raise InputError(
                f"osm_tags rule {r!r}: needs categories of the standards file and tags (unknown: {unknown})",
                f"osm_tags 规则 {r!r} 有误：类别须为标准文件中的类别，并须给出标签（未知：{unknown}）",
            )
        tags = tuple((str(k), tuple(str(v) for v in vs)) for k, vs in r["tags"].items())
        rules.append(Rule(cats, tags, tuple(str(w) for w in r.get("name_contains") or ())))
    values = {k: frozenset(str(v) for v in vs) for k, vs in (raw.get("candidate_values") or {}).items()}
    return TagMapping(tuple(raw.get("candidates") or ()), values, tuple(rules))


def clip_area(buffer_m: float, boundary=None):
    """The district (or ``boundary``, WGS84 GeoDataFrame) plus ``buffer_m``, as a WGS84 polygon."""
    if not buffer_m >= 0:
        raise InputError(f"--buffer must be >= 0, got {buffer_m}", f"缓冲距离须不小于0，当前为 {buffer_m}")
    b = boundary if boundary is not None else geodata.load("district")
    m = b.to_crs(METRIC_EPSG).geometry.union_all().buffer(buffer_m)
    return gpd.GeoSeries([m], crs=METRIC_EPSG).to_crs(STORAGE_EPSG).iloc[0]


def _storage_for(path: Path, tmpdir: str) -> str:
    if path.stat().st_size > DISK_CACHE_BYTES:
        return f"sparse_file_array,{os.path.join(tmpdir, 'locations.bin')}"
    return "flex_mem"


def _way_points(obj):
    ids, pts = [], []
    for nd in obj.nodes:
        if nd.location.valid():
            ids.append(nd.ref)
            pts.append((nd.location.lon, nd.location.lat))
    return ids, pts


class _Collector:
    """The one-pass state: walking ways and facilities inside the clip area."""

    def __init__(self, area, mapping: TagMapping):
        self.area = area
        self.bbox = area.bounds
        shapely.prepare(area)
        self.mapping = mapping
        self.ways: list = []
        self.fac: list[dict] = []
        self.unclassified: Counter = Counter()
        self.n = Counter()

    def inside(self, pts) -> np.ndarray:
        xy = np.asarray(pts, dtype=float).reshape(-1, 2)
        x0, y0, x1, y1 = self.bbox
        box = (xy[:, 0] >= x0) & (xy[:, 0] <= x1) & (xy[:, 1] >= y0) & (xy[:, 1] <= y1)
        if not box.any():
            return box
        box[box] = shapely.contains_xy(self.area, xy[box, 0], xy[box, 1])
        return box

    def facility(self, obj, kind: str, lon: float, lat: float) -> None:
        tag = self.mapping.is_candidate(obj.tags)
        if not tag or not self.inside([(lon, lat)])[0]:
            return
        cats = self.mapping.classify(obj.tags)
        if not cats:
            self.unclassified[tag] += 1
            return
        tags = obj.tags
        name = tags.get("name:zh") or tags.get("name") or ""
        addr = "".join(
            tags.get(k, "") for k in ("addr:city", "addr:district", "addr:street", "addr:housenumber")
        )
        for c in cats:
            self.fac.append(
                {
                    "osm_id": f"{kind}{obj.id}",
                    "name": name,
                    "category": c,
                    "address": addr,
                    "osm_tag": tag,
                    "lon": lon,
                    "lat": lat,
                }
            )

    def way(self, obj) -> None:
        self.n["ways"] += 1
        tags = obj.tags
        ids, pts = _way_points(obj)
        if len(ids) < 2:
            return
        if "highway" in tags and is_walkable(tags):
            if self.inside(pts).any():
                self.ways.append((ids, pts))
        elif ids[0] == ids[-1] and self.mapping.is_candidate(tags):
            c = np.asarray(pts[:-1]).mean(axis=0)
            self.facility(obj, "w", float(c[0]), float(c[1]))

    def __call__(self, obj) -> None:
        if obj.is_node():
            self.n["nodes"] += 1
            if obj.location.valid():
                self.facility(obj, "n", obj.location.lon, obj.location.lat)
        elif obj.is_way():
            self.way(obj)
        elif obj.is_relation() and self.mapping.is_candidate(obj.tags):
            self.n["relations_skipped"] += 1


#: Prefix of an import's temporary folder (node-location cache): ``renewal-osm-<pid>-…``.
TEMP_PREFIX = "renewal-osm-"


def _cache_pid(name: str) -> int | None:
    pid = name[len(TEMP_PREFIX) :].split("-", 1)[0]
    return int(pid) if pid.isdigit() else None


def workspace_outputs(workspace: Path | None) -> tuple[Path, Path]:
    """The files an import writes: the walking network and the facility inventory."""
    return workspace_network_path(workspace), workspace_facilities_path(workspace)


def refuse_to_overwrite(workspace: Path | None, replace: bool) -> None:
    """Refuse (before the extract is read) when the workspace already has a network or an inventory,
    unless ``replace``."""
    found = [p for p in workspace_outputs(workspace) if p.exists()]
    if found and not replace:
        names = ", ".join(f"{p.parent.name}/{p.name}" for p in found)
        raise InputError(
            f"The workspace already has {names}; nothing was imported. "
            "Use --replace to replace them (a backup is kept in .backups/).",
            f"工作区已有设施清单或步行路网（{names}），未导入；确需替换请使用 --replace（原文件会备份到 .backups/）。",
        )


def save_osm_import(res: OsmImport, workspace: Path | None, *, replace: bool = False) -> Path | None:
    """Store the network and the facilities together; return the backup folder of what they replaced.

    Both files are written to temporary files first and only then renamed over the old ones, one right
    after the other, so a kill while writing leaves the old pair (never new network with old facilities).
    """
    refuse_to_overwrite(workspace, replace)
    net_path, fac_path = workspace_outputs(workspace)
    ws = Path(workspace if workspace is not None else workspace_dir())
    found = [p for p in (net_path, fac_path) if p.exists()]
    backup = backup_folder(ws, "import-osm") if found else None
    for p in found:
        keep_backup(p, backup, p.relative_to(ws).as_posix())
    for p in (net_path, fac_path):
        p.parent.mkdir(parents=True, exist_ok=True)
    with atomic_output(fac_path) as fac_tmp, atomic_output(net_path) as net_tmp:
        save_network(res.network, net_tmp)
        save_workspace_facilities(res.facilities, path=fac_tmp)
    return backup


def import_osm(
    path,
    *,
    buffer_m: float = DEFAULT_BUFFER_M,
    standards: Standards | None = None,
    boundary=None,
    progress: Callable[[dict], None] | None = None,
    every: int = 200_000,
) -> OsmImport:
    """Stream ``path`` once; return the clipped walking network and the classified facilities."""
    import osmium

    path = Path(path)
    if not path.exists():
        raise InputError(f"OSM file not found: {path}", f"找不到OSM文件：{path}")
    if not path.name.lower().endswith((".osm.pbf", ".pbf", ".osm")):
        raise InputError(
            f"Not an OSM extract (.osm.pbf): {path.name}", f"不是OSM数据文件（.osm.pbf）：{path.name}"
        )
    std = standards or load_standards()
    mapping = load_tag_mapping(std)
    area = clip_area(buffer_m, boundary)
    col = _Collector(area, mapping)
    keys = ("highway", *mapping.candidates)
    tmpdir = tempfile.gettempdir()  # an earlier import killed mid-way left its node cache (tens of MB)
    remove_stale(Path(tmpdir), f"{TEMP_PREFIX}*", _cache_pid)
    with tempfile.TemporaryDirectory(prefix=f"{TEMP_PREFIX}{os.getpid()}-") as tmp:
        try:
            fp = (
                osmium.FileProcessor(str(path))
                .with_locations(_storage_for(path, tmp))
                .with_filter(osmium.filter.KeyFilter(*keys))
            )
            seen = 0
            for obj in fp:
                col(obj)
                seen += 1
                if progress is not None and seen % every == 0:
                    progress({"objects": seen, "walk_ways": len(col.ways), "facilities": len(col.fac)})
        except InputError:
            raise
        except Exception as exc:  # osmium raises RuntimeError and others for broken files
            raise InputError(
                f"Cannot read OSM file {path.name}: {exc}", f"无法读取OSM文件 {path.name}：{exc}"
            ) from exc
    if not col.ways:
        raise InputError(
            f"No walkable ways within {buffer_m:.0f} m of the district in {path.name}: "
            "is it an extract that covers Tianjin?",
            f"{path.name} 中在河东区及周边 {buffer_m:.0f} 米内没有可步行道路：文件是否覆盖天津？",
        )
    net = network_from_osm_ways(col.ways)
    net.report.update({"source": str(path), "walk_ways": len(col.ways), "buffer_m": buffer_m})
    fac = _facility_frame(col.fac, std)
    counts = (
        fac.groupby(["category", "name_zh"]).size().reset_index(name="count")
        if len(fac)
        else pd.DataFrame(columns=["category", "name_zh", "count"])
    )
    uncl = pd.DataFrame(sorted(col.unclassified.items(), key=lambda kv: -kv[1]), columns=["tag", "count"])
    report = {**dict(col.n), "walk_ways": len(col.ways), "facilities": len(fac)}
    return OsmImport(net, fac, uncl, counts, report)


def _facility_frame(rows: list[dict], std: Standards) -> gpd.GeoDataFrame:
    cols = [*FACILITY_FIELDS, "osm_tag"]
    if not rows:
        return gpd.GeoDataFrame({c: [] for c in cols}, geometry=[], crs=STORAGE_EPSG)
    df = pd.DataFrame(rows)
    n = df.groupby("osm_id")["category"].transform("count")
    df["facility_id"] = np.where(n > 1, "osm:" + df["osm_id"] + ":" + df["category"], "osm:" + df["osm_id"])
    df["name"] = df["name"].where(df["name"] != "", df["facility_id"])
    df["name_zh"] = df["category"].map(lambda k: std.categories[k].name_zh)
    df["status"] = "现状"
    df["source_zh"] = "OpenStreetMap"
    df["precision"] = "osm"
    return gpd.GeoDataFrame(df[cols], geometry=gpd.points_from_xy(df["lon"], df["lat"]), crs=STORAGE_EPSG)
