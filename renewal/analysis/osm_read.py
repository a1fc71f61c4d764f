"""Streaming an OpenStreetMap extract: what lies in a study area, in one osmium pass.

:func:`check_extract_covers` reads the file's header box and refuses an extract that misses
the area (both extents in the message) before any data is read. :func:`read_extract` streams
the file once: node locations cached in C++ (in memory for small files, in a temporary file on
disk for large ones), areas built by osmium's area handler from closed ways and multipolygon
relations (outer rings) when facilities are wanted, and only objects carrying ``highway``,
``entrance`` or a facility key reach Python. It keeps walking ways (:func:`is_walkable`) with a
node inside the area, entrances, and facility candidates classified by a
:class:`~renewal.analysis.osm_tags.TagMapping`. Used by ``import-osm``
(:mod:`renewal.analysis.osm_import`) and for ``.osm.pbf`` networks
(:mod:`renewal.analysis.network_files`).
"""

from __future__ import annotations

import os
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import shapely

from renewal.analysis.arrays import BoolArray
from renewal.analysis.osm_review import REVIEW_REASON
from renewal.analysis.osm_tags import TagMapping, Tags, object_name, report_tags
from renewal.analysis.study_area import describe_bounds
from renewal.errors import InputError
from renewal.io.atomic import remove_stale

if TYPE_CHECKING:
    from osmium.osm import Area, Node, OSMObject, Way

#: A walking way: its node ids and their (lon, lat).
WayPoints = tuple[list[int], list[tuple[float, float]]]

#: Files larger than this keep the node-location cache on disk (memory stays small).
DISK_CACHE_BYTES = 200 * 1024 * 1024

#: OSM ``highway`` values that are never walkable (the OSMnx "walk" filter,
#: plus motorways, which ``motor`` matches there).
NON_WALK_HIGHWAYS = frozenset(
    {
        "abandoned",
        "bus_guideway",
        "construction",
        "cycleway",
        "motor",
        "no",
        "planned",
        "platform",
        "proposed",
        "raceway",
        "razed",
        "motorway",
        "motorway_link",
        "bus_stop",
        "elevator",
        "services",
        "rest_area",
        "escape",
    }
)


def is_walkable(tags: Tags) -> bool:
    """The walking-way filter for OSM tags (a mapping)."""
    hw = tags.get("highway")
    if not hw or hw in NON_WALK_HIGHWAYS:
        return False
    if tags.get("area") == "yes":
        return False
    if (
        tags.get("foot") == "no"
        or tags.get("access") in ("private", "no")
        and tags.get("foot") not in ("yes", "designated", "permissive")
    ):
        return False
    if tags.get("service") == "private":
        return False
    return True


def extract_bounds(path: str | os.PathLike[str]) -> tuple[float, float, float, float] | None:
    """The bounding box in the file's header (lon/lat), or None when the header has none."""
    import osmium

    try:
        reader = osmium.io.Reader(str(path), osmium.osm.osm_entity_bits.NOTHING)
        try:
            box = reader.header().box()
        finally:
            reader.close()
    except Exception as exc:
        raise InputError(f"Cannot read OSM file {Path(path).name}: {exc}", f"无法读取OSM文件：{exc}") from exc
    if not box.valid():
        return None
    return (box.bottom_left.lon, box.bottom_left.lat, box.top_right.lon, box.top_right.lat)


def check_extract_covers(path: str | os.PathLike[str], area: shapely.Geometry) -> dict[str, Any]:
    """Refuse an extract whose header box misses ``area`` (WGS84); a note when it covers only part."""
    bounds = extract_bounds(path)
    if bounds is None:
        return {"extract_bounds": None}
    box = shapely.box(*bounds)
    name = Path(path).name
    if not box.intersects(area):
        raise InputError(
            f"{name} does not cover the study area: the extract spans {describe_bounds(bounds)}, "
            f"the study area {describe_bounds(area.bounds)}.",
            f"{name} 不覆盖研究范围：文件范围 {describe_bounds(bounds)}，研究范围 {describe_bounds(area.bounds)}。",
        )
    return {"extract_bounds": bounds, "extract_covers_area": bool(box.contains(area))}


def check_osm_path(path: str | os.PathLike[str]) -> Path:
    """``path`` as a Path, refused when it is missing or not an OSM extract by its name."""
    p = Path(path)
    if not p.exists():
        raise InputError(f"OSM file not found: {p}", f"找不到OSM文件：{p}")
    if not p.name.lower().endswith((".osm.pbf", ".pbf", ".osm")):
        raise InputError(f"Not an OSM extract (.osm.pbf): {p.name}", f"不是OSM数据文件（.osm.pbf）：{p.name}")
    return p


def _storage_for(path: Path, tmpdir: str) -> str:
    if path.stat().st_size > DISK_CACHE_BYTES:
        return f"sparse_file_array,{os.path.join(tmpdir, 'locations.bin')}"
    return "flex_mem"


def _way_points(obj: Way) -> WayPoints:
    ids: list[int] = []
    pts: list[tuple[float, float]] = []
    for nd in obj.nodes:
        if nd.location.valid():
            ids.append(nd.ref)
            pts.append((nd.location.lon, nd.location.lat))
    return ids, pts


class _Collector:
    """The one-pass state: walking ways, entrances and facility candidates inside the clip area."""

    def __init__(
        self,
        area: shapely.Geometry,
        mapping: TagMapping | None,
        decisions: Mapping[str, tuple[str, ...]] | None = None,
    ) -> None:
        self.decisions = decisions or {}
        self.reviewed = 0
        self.area = area
        self.bbox = area.bounds
        shapely.prepare(area)
        self.mapping = mapping
        self.ways: list[WayPoints] = []
        self.fac: list[dict[str, Any]] = []
        self.entrances: dict[int, tuple[float, float, str]] = {}
        self.unclassified: list[dict[str, str]] = []
        self.not_counted: list[dict[str, str]] = []
        self.n: Counter[str] = Counter()

    def inside(self, pts: Iterable[tuple[float, float]]) -> BoolArray:
        xy = np.asarray(list(pts), dtype=np.float64).reshape(-1, 2)
        x0, y0, x1, y1 = self.bbox
        box: BoolArray = (xy[:, 0] >= x0) & (xy[:, 0] <= x1) & (xy[:, 1] >= y0) & (xy[:, 1] <= y1)
        if not box.any():
            return box
        box[box] = shapely.contains_xy(self.area, xy[box, 0], xy[box, 1])
        return box

    def facility(
        self, osm_id: str, tags: Tags, geom: shapely.Geometry, ring_ids: tuple[int, ...] = ()
    ) -> None:
        """Classify one candidate (``geom``: a point or the area's outer rings, WGS84)."""
        if self.mapping is None:
            return
        tag = self.mapping.candidate(tags)
        if not tag or not self.area.intersects(geom):
            return
        name = tags.get("name:zh") or tags.get("name") or ""
        row = {"osm_id": osm_id, "name": name, "tag": tag, "tags": report_tags(tags)}
        if osm_id in self.decisions:  # the planner's review replaces the rules
            self.reviewed += 1
            rule_id, reason, cats = "review", REVIEW_REASON, self.decisions[osm_id]
        else:
            rule = self.mapping.classify(tags)
            if rule is None:
                self.unclassified.append(row)
                return
            rule_id, reason, cats = rule.id, rule.reason_zh, rule.categories
        if not cats:
            self.not_counted.append({**row, "rule": rule_id, "reason_zh": reason})
            return
        addr = "".join(
            tags.get(k) or "" for k in ("addr:city", "addr:district", "addr:street", "addr:housenumber")
        )
        for c in cats:
            self.fac.append(
                {
                    "osm_id": osm_id,
                    "name": name,
                    "match_name": object_name(tags),
                    "category": c,
                    "address": addr,
                    "osm_tag": tag,
                    "osm_rule": rule_id,
                    "class_rule": reason,
                    "geom": geom,
                    "ring_ids": ring_ids,
                }
            )

    def node(self, obj: Node) -> None:
        self.n["nodes"] += 1
        if not obj.location.valid():
            return
        lon, lat = obj.location.lon, obj.location.lat
        ent = obj.tags.get("entrance")
        if ent is not None and self.inside([(lon, lat)])[0]:
            self.entrances[obj.id] = (lon, lat, ent)
        if self.mapping is not None and self.inside([(lon, lat)])[0]:
            self.facility(f"n{obj.id}", obj.tags, shapely.Point(lon, lat))

    def way(self, obj: Way) -> None:
        self.n["ways"] += 1
        tags = obj.tags
        if "highway" not in tags or not is_walkable(tags):
            return
        ids, pts = _way_points(obj)
        if len(ids) >= 2 and self.inside(pts).any():
            self.ways.append((ids, pts))

    def area_(self, obj: Area) -> None:
        rings: list[shapely.Geometry] = []
        ids: list[int] = []
        for ring in obj.outer_rings():
            pts = [(n.lon, n.lat) for n in ring if n.location.valid()]
            if len(pts) >= 4:
                rings.append(shapely.Polygon(pts))
                ids.extend(n.ref for n in ring)
        if not rings:
            return
        kind = "w" if obj.from_way() else "r"
        self.n["areas_way" if kind == "w" else "areas_relation"] += 1
        geom = shapely.make_valid(shapely.union_all(rings))
        self.facility(f"{kind}{obj.orig_id()}", obj.tags, geom, tuple(ids))

    def __call__(self, obj: OSMObject[Any]) -> None:
        if obj.is_node():
            self.node(cast("Node", obj))
        elif obj.is_way():
            self.way(cast("Way", obj))
        elif obj.is_area() and self.mapping is not None:
            self.area_(cast("Area", obj))


#: Prefix of an import's temporary folder (node-location cache): ``renewal-osm-<pid>-…``.
TEMP_PREFIX = "renewal-osm-"


def _cache_pid(name: str) -> int | None:
    pid = name[len(TEMP_PREFIX) :].split("-", 1)[0]
    return int(pid) if pid.isdigit() else None


def read_extract(
    path: Path,
    area: shapely.Geometry,
    mapping: TagMapping | None,
    *,
    decisions: Mapping[str, tuple[str, ...]] | None = None,
    progress: Callable[[dict[str, int]], object] | None = None,
    every: int = 200_000,
) -> _Collector:
    """Stream ``path`` once (areas only when ``mapping`` is given); what lies in ``area``."""
    import osmium

    col = _Collector(area, mapping, decisions)
    keys = ("highway", "entrance", *(mapping.keys if mapping is not None else ()))
    # an earlier import killed mid-way left its node cache (tens of MB): removed first
    remove_stale(Path(tempfile.gettempdir()), f"{TEMP_PREFIX}*", _cache_pid)
    with tempfile.TemporaryDirectory(prefix=f"{TEMP_PREFIX}{os.getpid()}-") as tmp:
        try:
            fp = osmium.FileProcessor(str(path)).with_locations(_storage_for(path, tmp))
            if mapping is not None:
                fp = fp.with_areas(osmium.filter.KeyFilter(*mapping.keys))
            fp = fp.with_filter(osmium.filter.KeyFilter(*keys))
            seen = 0
            for obj in fp:
                col(cast("OSMObject[Any]", obj))  # the key filter lets only OSM objects through
                seen += 1
                if progress is not None and seen % every == 0:
                    progress({"objects": seen, "walk_ways": len(col.ways), "facilities": len(col.fac)})
        except InputError:
            raise
        except Exception as exc:  # osmium raises RuntimeError and others for broken files
            raise InputError(
                f"Cannot read OSM file {path.name}: {exc}", f"无法读取OSM文件 {path.name}：{exc}"
            ) from exc
    return col


def no_ways_error(path: Path, buffer_m: float, area: shapely.Geometry) -> InputError:
    """The refusal of an extract with no walking way near the study area."""
    return InputError(
        f"No walkable ways within {buffer_m:.0f} m of the study area ({describe_bounds(area.bounds)}) "
        f"in {path.name}.",
        f"{path.name} 中在研究范围（{describe_bounds(area.bounds)}）及周边 {buffer_m:.0f} 米内没有可步行道路。",
    )
