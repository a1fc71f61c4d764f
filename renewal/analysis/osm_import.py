"""Facilities and the walking network from an OpenStreetMap extract, in one pass.

:func:`import_osm` streams a ``.osm.pbf`` (a regional extract such as China
or Tianjin from Geofabrik) with osmium. It first reads the file's header: an
extract whose bounding box misses the study area is refused at once, with both
extents. Node locations are cached in C++ (in memory for small files, in a
temporary file on disk for large ones), osmium's area handler builds areas from
closed ways and multipolygon relations (outer rings), and only objects carrying
a ``highway``, ``entrance`` or facility key reach Python. It keeps

* walking ways (:func:`renewal.analysis.network_files.is_walkable`) with at
  least one node inside the clip area (the study area plus ``buffer_m``), noded
  at shared OSM nodes, in the study area's metric CRS
  (:func:`renewal.crs.metric_epsg_for_geometry`);
* facilities (nodes and areas) inside the clip area, classified by the
  ``osm_tags`` rules of the standards file (:mod:`renewal.analysis.osm_tags`):
  each carries the reason of the rule that placed it (``class_rule``).

One facility per place: a node inside an area of the same category (or with
the same name) is merged into the area. An area facility stands on its mapped
entrance (``entrance=*`` on its outline) when there is one, else at the point of
its outline nearest to the walking network (on the path itself when the area
touches one, so no straight leg is counted); ``position_source`` says which.

Objects looked at but matched by no rule are listed (id, name, tags) in
``unclassified_objects``; objects a rule recognises as not a life-circle
facility (hospitals, dentists, senior high schools ...) in ``not_counted``.
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
from shapely.ops import nearest_points

from renewal.analysis.facilities import FACILITY_FIELDS
from renewal.analysis.network import WalkNetwork
from renewal.analysis.network_files import is_walkable, network_from_osm_ways
from renewal.analysis.osm_tags import TagMapping, load_tag_mapping, object_name, report_tags
from renewal.analysis.study_area import clip_area, describe_bounds
from renewal.crs import STORAGE_EPSG, crs_label, metric_epsg_for_geometry, transformer
from renewal.errors import InputError
from renewal.standards import Standards, load_standards

#: Files larger than this keep the node-location cache on disk (memory stays small).
DISK_CACHE_BYTES = 200 * 1024 * 1024
DEFAULT_BUFFER_M = 1000.0
#: Columns of the facility frame: the coverage fields, where it stands and why, the OSM object.
OSM_FIELDS = (*FACILITY_FIELDS, "position_source", "osm_id", "osm_rule", "osm_tag")
POSITION_NODE = "OSM节点位置"
POSITION_ENTRANCE = "OSM面要素的入口（entrance={}）"
POSITION_NEAREST = "OSM面要素轮廓上离步行路网最近的点"
POSITION_NO_NETWORK = "OSM面要素轮廓上的点（附近无步行路网）"


@dataclass
class OsmImport:
    """What :func:`import_osm` found."""

    network: WalkNetwork
    facilities: gpd.GeoDataFrame  # OSM_FIELDS; WGS84
    unclassified: pd.DataFrame  # tag, count
    counts: pd.DataFrame  # category, name_zh, count
    report: dict = field(default_factory=dict)
    unclassified_objects: pd.DataFrame = field(default_factory=pd.DataFrame)  # osm_id, name, tag, tags
    not_counted: pd.DataFrame = field(default_factory=pd.DataFrame)  # osm_id, name, tags, rule, reason_zh
    merged: pd.DataFrame = field(default_factory=pd.DataFrame)  # osm_id, name, category, into


def extract_bounds(path) -> tuple[float, float, float, float] | None:
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


def check_extract_covers(path, area) -> dict:
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


def check_osm_path(path) -> Path:
    path = Path(path)
    if not path.exists():
        raise InputError(f"OSM file not found: {path}", f"找不到OSM文件：{path}")
    if not path.name.lower().endswith((".osm.pbf", ".pbf", ".osm")):
        raise InputError(
            f"Not an OSM extract (.osm.pbf): {path.name}", f"不是OSM数据文件（.osm.pbf）：{path.name}"
        )
    return path


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
    """The one-pass state: walking ways, entrances and facility candidates inside the clip area."""

    def __init__(self, area, mapping: TagMapping | None):
        self.area = area
        self.bbox = area.bounds
        shapely.prepare(area)
        self.mapping = mapping
        self.ways: list = []
        self.fac: list[dict] = []
        self.entrances: dict[int, tuple[float, float, str]] = {}
        self.unclassified: list[dict] = []
        self.not_counted: list[dict] = []
        self.n = Counter()

    def inside(self, pts) -> np.ndarray:
        xy = np.asarray(pts, dtype=float).reshape(-1, 2)
        x0, y0, x1, y1 = self.bbox
        box = (xy[:, 0] >= x0) & (xy[:, 0] <= x1) & (xy[:, 1] >= y0) & (xy[:, 1] <= y1)
        if not box.any():
            return box
        box[box] = shapely.contains_xy(self.area, xy[box, 0], xy[box, 1])
        return box

    def facility(self, osm_id: str, tags, geom, ring_ids=()) -> None:
        """Classify one candidate (``geom``: a point or the area's outer rings, WGS84)."""
        tag = self.mapping.candidate(tags)
        if not tag or not self.area.intersects(geom):
            return
        name = tags.get("name:zh") or tags.get("name") or ""
        rule = self.mapping.classify(tags)
        row = {"osm_id": osm_id, "name": name, "tag": tag, "tags": report_tags(tags)}
        if rule is None:
            self.unclassified.append(row)
            return
        if not rule.categories:
            self.not_counted.append({**row, "rule": rule.id, "reason_zh": rule.reason_zh})
            return
        addr = "".join(
            tags.get(k, "") for k in ("addr:city", "addr:district", "addr:street", "addr:housenumber")
        )
        for c in rule.categories:
            self.fac.append(
                {
                    "osm_id": osm_id,
                    "name": name,
                    "match_name": object_name(tags),
                    "category": c,
                    "address": addr,
                    "osm_tag": tag,
                    "osm_rule": rule.id,
                    "class_rule": rule.reason_zh,
                    "geom": geom,
                    "ring_ids": ring_ids,
                }
            )

    def node(self, obj) -> None:
        self.n["nodes"] += 1
        if not obj.location.valid():
            return
        lon, lat = obj.location.lon, obj.location.lat
        ent = obj.tags.get("entrance")
        if ent is not None and self.inside([(lon, lat)])[0]:
            self.entrances[obj.id] = (lon, lat, ent)
        if self.mapping is not None and self.inside([(lon, lat)])[0]:
            self.facility(f"n{obj.id}", obj.tags, shapely.Point(lon, lat))

    def way(self, obj) -> None:
        self.n["ways"] += 1
        tags = obj.tags
        if "highway" not in tags or not is_walkable(tags):
            return
        ids, pts = _way_points(obj)
        if len(ids) >= 2 and self.inside(pts).any():
            self.ways.append((ids, pts))

    def area_(self, obj) -> None:
        rings, ids = [], []
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

    def __call__(self, obj) -> None:
        if obj.is_node():
            self.node(obj)
        elif obj.is_way():
            self.way(obj)
        elif obj.is_area() and self.mapping is not None:
            self.area_(obj)


def read_extract(
    path: Path,
    area,
    mapping: TagMapping | None,
    *,
    progress: Callable[[dict], None] | None = None,
    every: int = 200_000,
) -> _Collector:
    """Stream ``path`` once (areas only when ``mapping`` is given); what lies in ``area``."""
    import osmium

    col = _Collector(area, mapping)
    keys = ("highway", "entrance", *(mapping.keys if mapping is not None else ()))
    with tempfile.TemporaryDirectory(prefix="renewal-osm-") as tmp:
        try:
            fp = osmium.FileProcessor(str(path)).with_locations(_storage_for(path, tmp))
            if mapping is not None:
                fp = fp.with_areas(osmium.filter.KeyFilter(*mapping.keys))
            fp = fp.with_filter(osmium.filter.KeyFilter(*keys))
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
    return col


def no_ways_error(path: Path, buffer_m: float, area) -> InputError:
    return InputError(
        f"No walkable ways within {buffer_m:.0f} m of the study area ({describe_bounds(area.bounds)}) "
        f"in {path.name}.",
        f"{path.name} 中在研究范围（{describe_bounds(area.bounds)}）及周边 {buffer_m:.0f} 米内没有可步行道路。",
    )


def import_osm(
    path,
    *,
    buffer_m: float = DEFAULT_BUFFER_M,
    standards: Standards | None = None,
    boundary=None,
    progress: Callable[[dict], None] | None = None,
    every: int = 200_000,
) -> OsmImport:
    """Stream ``path`` once; return the clipped walking network and the classified facilities.

    ``boundary`` is the study area (WGS84 geometry or GeoDataFrame; default: the district)."""
    path = check_osm_path(path)
    std = standards or load_standards()
    mapping = load_tag_mapping(std)
    area = clip_area(buffer_m, boundary)
    header = check_extract_covers(path, area)
    epsg = metric_epsg_for_geometry(area)
    col = read_extract(path, area, mapping, progress=progress, every=every)
    if not col.ways:
        raise no_ways_error(path, buffer_m, area)
    net = network_from_osm_ways(col.ways, epsg)
    net.report.update({"source": str(path), "walk_ways": len(col.ways), "buffer_m": buffer_m})
    rows, merged = _one_per_place(col.fac)
    fac = _facility_frame(rows, std, net, col.entrances)
    counts = (
        fac.groupby(["category", "name_zh"]).size().reset_index(name="count")
        if len(fac)
        else pd.DataFrame(columns=["category", "name_zh", "count"])
    )
    uncl_obj = pd.DataFrame(col.unclassified, columns=["osm_id", "name", "tag", "tags"])
    uncl = uncl_obj.groupby("tag").size().sort_values(ascending=False).reset_index(name="count")
    not_counted = pd.DataFrame(
        col.not_counted, columns=["osm_id", "name", "tag", "tags", "rule", "reason_zh"]
    )
    report = {
        **dict(col.n),
        **header,
        "walk_ways": len(col.ways),
        "facilities": len(fac),
        "merged": len(merged),
        "metric_crs": crs_label(epsg),
        "area_bounds": area.bounds,
    }
    return OsmImport(net, fac, uncl, counts, report, uncl_obj, not_counted, merged)


def _one_per_place(rows: list[dict]) -> tuple[list[dict], pd.DataFrame]:
    """Drop node facilities that lie inside an area facility of the same category or the same name."""
    areas = [r for r in rows if r["osm_id"][0] != "n"]
    cols = ["osm_id", "name", "category", "into"]
    if not areas:
        return rows, pd.DataFrame(columns=cols)
    tree = shapely.STRtree([a["geom"] for a in areas])
    keep, merged = [], []
    for r in rows:
        into = None
        if r["osm_id"][0] == "n":
            for i in tree.query(r["geom"], predicate="intersects"):
                a = areas[int(i)]
                if a["category"] == r["category"] or (r["match_name"] and a["match_name"] == r["match_name"]):
                    into = a["osm_id"]
                    break
        if into is None:
            keep.append(r)
        else:
            merged.append({"osm_id": r["osm_id"], "name": r["name"], "category": r["category"], "into": into})
    return keep, pd.DataFrame(merged, columns=cols)


def _area_position(geom, ring_ids, entrances, net: WalkNetwork, to_m, to_wgs) -> tuple[shapely.Point, str]:
    """The mapped entrance on the outline (main first), else the outline point nearest to the network."""
    found = [entrances[i] for i in dict.fromkeys(ring_ids) if i in entrances]
    if found:
        lon, lat, kind = sorted(found, key=lambda e: e[2] != "main")[0]
        return shapely.Point(lon, lat), POSITION_ENTRANCE.format(kind)
    outline = shapely.transform(geom.boundary, lambda xy: np.column_stack(to_m.transform(xy[:, 0], xy[:, 1])))
    e = net.tree.query_nearest(outline, max_distance=2000.0, all_matches=False)
    if len(e) == 0:
        lon, lat = shapely.get_coordinates(geom.boundary)[0]
        return shapely.Point(lon, lat), POSITION_NO_NETWORK
    edge = net.edge_geom[int(e[0])]
    # on the outline; when the area touches or is crossed by the path, on the path (no straight leg)
    p = nearest_points(edge, outline)[0] if outline.intersects(edge) else nearest_points(outline, edge)[0]
    x, y = to_wgs.transform(p.x, p.y)
    return shapely.Point(x, y), POSITION_NEAREST


def _facility_frame(rows: list[dict], std: Standards, net: WalkNetwork, entrances) -> gpd.GeoDataFrame:
    cols = list(OSM_FIELDS)
    if not rows:
        return gpd.GeoDataFrame({c: [] for c in cols}, geometry=[], crs=STORAGE_EPSG)
    to_m, to_wgs = transformer(STORAGE_EPSG, net.crs), transformer(net.crs, STORAGE_EPSG)
    placed: dict[str, tuple[shapely.Point, str]] = {}
    for r in rows:
        if r["osm_id"] in placed:
            continue
        if r["osm_id"][0] == "n":
            placed[r["osm_id"]] = (r["geom"], POSITION_NODE)
        else:
            placed[r["osm_id"]] = _area_position(r["geom"], r["ring_ids"], entrances, net, to_m, to_wgs)
    df = pd.DataFrame(rows)
    n = df.groupby("osm_id")["category"].transform("count")
    df["facility_id"] = np.where(n > 1, "osm:" + df["osm_id"] + ":" + df["category"], "osm:" + df["osm_id"])
    df["name"] = df["name"].where(df["name"] != "", df["facility_id"])
    df["name_zh"] = df["category"].map(lambda k: std.categories[k].name_zh)
    df["status"] = "现状"
    df["source_zh"] = "OpenStreetMap"
    df["precision"] = "osm"
    df["position_source"] = df["osm_id"].map(lambda i: placed[i][1])
    geom = [placed[i][0] for i in df["osm_id"]]
    return gpd.GeoDataFrame(df[cols], geometry=geom, crs=STORAGE_EPSG)
