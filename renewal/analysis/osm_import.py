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
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from shapely.ops import nearest_points

from renewal.analysis.facilities import FACILITY_FIELDS, workspace_facilities_path
from renewal.analysis.network import WalkNetwork
from renewal.analysis.network_files import network_from_osm_ways
from renewal.analysis.osm_read import check_extract_covers, check_osm_path, no_ways_error, read_extract
from renewal.analysis.osm_review import REVIEW_COLUMN
from renewal.analysis.osm_tags import load_tag_mapping
from renewal.analysis.study_area import clip_area
from renewal.crs import STORAGE_EPSG, crs_label, metric_epsg_for_geometry, transformer
from renewal.errors import InputError
from renewal.standards import Standards, load_standards

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
    report: dict[str, Any] = field(default_factory=dict)
    unclassified_objects: pd.DataFrame = field(default_factory=pd.DataFrame)  # osm_id, name, tag, tags
    not_counted: pd.DataFrame = field(default_factory=pd.DataFrame)  # osm_id, name, tags, rule, reason_zh
    merged: pd.DataFrame = field(default_factory=pd.DataFrame)  # osm_id, name, category, into


def refuse_to_overwrite(workspace: Path | None, replace: bool, recorded_source: str | None) -> None:
    """Refuse (before the extract is read) to replace a planner's facility inventory unless ``replace``.

    ``recorded_source`` is the file the workspace's inventory was last saved from (the layer catalogue's
    record, None if none): an inventory from an earlier OSM import is replaced by a new one (that is what
    the review step does); one from a planner's own file (or not recorded) needs ``replace`` (the old one
    then stays in the layer history)."""
    inventory = workspace_facilities_path(workspace)
    from_osm = (recorded_source or "").lower().endswith((".pbf", ".osm"))
    if inventory.exists() and not from_osm and not replace:
        raise InputError(
            f"The workspace already has a facility inventory ({inventory.parent.name}/{inventory.name}, "
            f"from {recorded_source or 'an unrecorded file'}); nothing was imported. "
            "Use --replace to replace it (the old one stays in the layer history).",
            f"工作区已有设施清单（{inventory.parent.name}/{inventory.name}，来源 {recorded_source or '未记录'}），"
            "未导入；确需替换请使用 --replace（原清单保留在图层历史中）。",
        )


def import_osm(
    path: str | os.PathLike[str],
    *,
    buffer_m: float = DEFAULT_BUFFER_M,
    standards: Standards | None = None,
    boundary: shapely.Geometry | gpd.GeoDataFrame | None = None,
    decisions: Mapping[str, tuple[str, ...]] | None = None,
    progress: Callable[[dict[str, int]], object] | None = None,
    every: int = 200_000,
) -> OsmImport:
    """Stream an OSM extract once; return the clipped walking network and the classified facilities.

    Parameters
    ----------
    path : path
        ``.osm.pbf`` or ``.osm``; an extract whose header box misses the study area is refused first.
    buffer_m : float
        Metres around the study area that are kept (ways and facilities just outside count).
    standards : Standards, optional
        Categories and the ``osm_tags`` rules (default: the bundled file).
    boundary : shapely geometry (WGS84) or GeoDataFrame, optional
        The study area (default: the district).
    decisions : mapping, optional
        The planner's review (OSM id -> categories, empty = not counted,
        :mod:`renewal.analysis.osm_review`), which replaces the rules for those objects.
    progress : callable, optional
        Called every ``every`` objects with counts so far.

    Returns
    -------
    OsmImport
        ``network`` (in the study area's metric CRS), ``facilities`` (WGS84, with ``class_rule`` and
        ``position_source``), the objects not classified, not counted and merged, and ``report``.

    Raises
    ------
    InputError
        A missing or unreadable file, an extract that misses the study area, no walking way in it.

    Examples
    --------
    A footway and a school node in a three-node extract:

    >>> import tempfile, pathlib, shapely
    >>> osm = pathlib.Path(tempfile.mkdtemp()) / "tiny.osm"
    >>> _ = osm.write_text('''<osm version="0.6">
    ...  <node id="1" lat="39.1200" lon="117.2200"/><node id="2" lat="39.1200" lon="117.2250"/>
    ...  <node id="3" lat="39.1230" lon="117.2250"/>
    ...  <node id="4" lat="39.1210" lon="117.2230"><tag k="amenity" v="school"/>
    ...   <tag k="isced:level" v="1"/><tag k="name" v="第一小学"/></node>
    ...  <way id="10"><nd ref="1"/><nd ref="2"/><nd ref="3"/><tag k="highway" v="footway"/></way>
    ... </osm>''', encoding="utf-8")
    >>> res = import_osm(osm, boundary=shapely.box(117.22, 39.12, 117.225, 39.123), buffer_m=100)
    >>> res.network.n_edges, res.network.crs, round(res.network.report["length_m"])
    (1, 4548, 766)
    >>> res.facilities[["facility_id", "name", "category", "position_source"]].to_dict("records")
    [{'facility_id': 'osm:n4', 'name': '第一小学', 'category': 'primary_school', 'position_source': 'OSM节点位置'}]
    """
    osm_path = check_osm_path(path)
    std = standards or load_standards()
    mapping = load_tag_mapping(std)
    area = clip_area(buffer_m, boundary)
    header = check_extract_covers(osm_path, area)
    epsg = metric_epsg_for_geometry(area)
    col = read_extract(osm_path, area, mapping, decisions=decisions, progress=progress, every=every)
    if not col.ways:
        raise no_ways_error(osm_path, buffer_m, area)
    net = network_from_osm_ways(col.ways, epsg)
    net.report.update({"source": str(osm_path), "walk_ways": len(col.ways), "buffer_m": buffer_m})
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
        "reviewed": col.reviewed,
        "metric_crs": crs_label(epsg),
        "area_bounds": area.bounds,
    }
    return OsmImport(net, fac, uncl, counts, report, uncl_obj, not_counted, merged)


def _one_per_place(rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], pd.DataFrame]:
    """Drop node facilities that lie inside an area facility of the same category or the same name."""
    areas = [r for r in rows if r["osm_id"][0] != "n"]
    cols = ["osm_id", "name", "category", "into"]
    if not areas:
        return rows, pd.DataFrame(columns=cols)
    tree = shapely.STRtree([a["geom"] for a in areas])
    keep: list[dict[str, Any]] = []
    merged: list[dict[str, Any]] = []
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


def _area_position(
    geom: shapely.Geometry,
    ring_ids: Iterable[int],
    entrances: Mapping[int, tuple[float, float, str]],
    net: WalkNetwork,
    to_m: Transformer,
    to_wgs: Transformer,
) -> tuple[shapely.Point, str]:
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


def _facility_frame(
    rows: list[dict[str, Any]],
    std: Standards,
    net: WalkNetwork,
    entrances: Mapping[int, tuple[float, float, str]],
) -> gpd.GeoDataFrame:
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


#: Chinese headers of the import report's tables.
REPORT_COLUMNS = {
    "facility_id": "设施编号",
    "osm_id": "OSM编号",
    "name": "名称",
    "name_zh": "设施类别",
    "class_rule": "归类依据",
    "position_source": "定位依据",
    "tag": "标签",
    "tags": "相关标签",
    "reason_zh": "不计入原因",
    "category": "设施类别",
    "into": "并入的面要素",
    "lon": "经度",
    "lat": "纬度",
}


def report_tables(res: OsmImport, standards: Standards) -> dict[str, pd.DataFrame]:
    """The import's report as a planner reads it (Chinese headers): the facilities with the rule
    that placed each one, the objects not classified (by name and tags), those not counted, the
    merged ones, and the metric CRS."""
    fac = pd.DataFrame(res.facilities.drop(columns="geometry"))
    fac["lon"], fac["lat"] = res.facilities.geometry.x.round(6), res.facilities.geometry.y.round(6)
    fac = fac[["facility_id", "osm_id", "name", "name_zh", "class_rule", "position_source", "lon", "lat"]]
    merged = res.merged.copy()
    merged["category"] = merged["category"].map(lambda k: standards.categories[k].name_zh)

    def zh(df: pd.DataFrame, cols: Iterable[str], review: bool = True) -> pd.DataFrame:
        out = df[list(cols)].rename(columns=REPORT_COLUMNS)
        if review:
            out[REVIEW_COLUMN] = ""  # the planner's decision: a category, or 不计入
        return out

    about = pd.DataFrame(
        {
            "项目": ["计算坐标系", "研究范围（经纬度）", "数据文件范围（经纬度）", "如何审核"],
            "内容": [
                res.report.get("metric_crs", ""),
                _bounds_zh(res.report.get("area_bounds")),
                _bounds_zh(res.report.get("extract_bounds")),
                f"在“{REVIEW_COLUMN}”列填写设施类别（如 小学，多个用、分隔）或“不计入”，保存后运行 "
                "python -m renewal import-osm 数据文件 --review 本文件；审核意见按OSM编号保存在工作区，"
                "以后导入新数据时自动沿用",
            ],
        }
    )
    return {
        "设施及归类依据": zh(fac, fac.columns),
        "无法归类的对象": zh(res.unclassified_objects, ("osm_id", "name", "tags")),
        "不计入的对象": zh(res.not_counted, ("osm_id", "name", "tags", "reason_zh")),
        "合并的重复设施": zh(merged, ("osm_id", "name", "category", "into"), review=False),
        "说明": about,
    }


def _bounds_zh(b: tuple[float, float, float, float] | None) -> str:
    if not b:
        return "（文件头未给出）"
    return f"经度 {b[0]:.4f}–{b[2]:.4f}，纬度 {b[1]:.4f}–{b[3]:.4f}"
