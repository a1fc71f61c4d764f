"""The planner's facility inventory: existing schools, kindergartens, elderly care, clinics.

:func:`import_facilities` reads any file the one reader takes
(:func:`renewal.io.read.read_vector`: Excel/CSV with 经度/纬度, GeoJSON,
GeoPackage, Shapefile) and returns the facilities in the shape the coverage
engine and the map use: ``facility_id``, ``name``, ``category`` (a standards
key), ``name_zh``, ``address``, ``status``, ``source_zh``, ``precision``.

Chinese column names are recognised (名称, 类别 / 设施类型, 经度 / 纬度,
坐标系, 地址, 状态, and the English name/category/type/address/status).
Capacity columns (for supply and demand, :mod:`renewal.analysis.supply_demand`)
become ``places`` (学位, or 班数 × 每班人数 where 学位 is blank), ``beds`` (床位)
and ``floor_area_m2`` (建筑面积); a blank is a missing capacity (NaN, allowed
and counted by the supply tables), text that is not a number is refused. A
坐标系 column may say per row which coordinate system the numbers are in
(WGS84; GCJ-02 from Amap/Tencent; BD-09 from Baidu; CGCS2000, treated as
WGS84: the two differ by centimetres). Category values are matched to the
standards by key, Chinese name or alias; rows whose value does not match are
returned in ``unmatched`` (value, count), never dropped silently.

:func:`template_table` is the downloadable Excel template.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd

import geodata
from renewal.crs import STORAGE_EPSG, geometry_from_web
from renewal.errors import InputError
from renewal.io.read import read_vector
from renewal.io.write import write_gpkg
from renewal.settings import workspace_dir
from renewal.standards import Standards, load_standards

if TYPE_CHECKING:
    from renewal.analysis.coverage import CoverageResult

#: The columns of a facility layer as the coverage page and engine use it.
FACILITY_FIELDS = (
    "facility_id",
    "name",
    "category",
    "name_zh",
    "address",
    "status",
    "source_zh",
    "precision",
    "class_rule",  # why the facility has its category (归类依据): the OSM rule's reason; "" otherwise
)
WORKSPACE_LAYER = "facilities"
PLAN_SOURCE_ZH = "规划设施（十五五纲要，位置示意）"
PLAN_EXTRA = ("plan_clause", "plan_text", "position_source")

NAME_COLUMNS = ("名称", "设施名称", "name")
CATEGORY_COLUMNS = ("类别", "设施类型", "设施类别", "类型", "category", "type")
ADDRESS_COLUMNS = ("地址", "address")
STATUS_COLUMNS = ("状态", "status")
CRS_COLUMNS = ("坐标系", "crs", "coords")
ID_COLUMNS = ("编号", "id", "facility_id")
PLACES_COLUMNS = ("学位", "学位数", "places")
CLASSES_COLUMNS = ("班数", "classes")
CLASS_SIZE_COLUMNS = ("每班人数", "班额", "class_size")
BEDS_COLUMNS = ("床位", "床位数", "beds")
AREA_COLUMNS = ("建筑面积", "floor_area_m2")
#: Capacity fields of an imported inventory (NaN where the file has no value).
CAPACITY_FIELDS = ("places", "beds", "floor_area_m2")

#: Values of the 坐标系 column, lower-cased, to the reader's coordinate systems.
CRS_VALUES = {
    "wgs84": "wgs84",
    "wgs-84": "wgs84",
    "gps": "wgs84",
    "epsg:4326": "wgs84",
    "cgcs2000": "wgs84",
    "epsg:4490": "wgs84",
    "天地图": "wgs84",
    "gcj02": "gcj02",
    "gcj-02": "gcj02",
    "高德": "gcj02",
    "腾讯": "gcj02",
    "火星坐标": "gcj02",
    "bd09": "bd09",
    "bd-09": "bd09",
    "百度": "bd09",
}

#: The Excel template's columns and an example row (clearly marked as an example).
TEMPLATE_COLUMNS = (
    "名称",
    "类别",
    "经度",
    "纬度",
    "坐标系",
    "地址",
    "状态",
    "学位",
    "班数",
    "每班人数",
    "床位",
    "建筑面积",
)


@dataclass
class FacilityImport:
    """Facilities read from one file, ready for the coverage engine (WGS84)."""

    facilities: gpd.GeoDataFrame
    unmatched: pd.DataFrame  # value, count: category values not in the standards
    notes: list[tuple[str, str]] = field(default_factory=list)  # (English, Chinese)
    file: str = ""

    @property
    def n_unmatched(self) -> int:
        return int(self.unmatched["count"].sum()) if len(self.unmatched) else 0


def _column(gdf: pd.DataFrame, names: Iterable[str]) -> Hashable | None:
    """The first column of ``gdf`` named (case and spaces aside) one of ``names``: its label as is."""
    low: dict[str, Hashable] = {str(c).strip().lower(): c for c in gdf.columns}
    for n in names:
        if n.lower() in low:
            return low[n.lower()]
    return None


def _text(series: pd.Series) -> pd.Series:
    return series.map(lambda v: "" if v is None or (isinstance(v, float) and v != v) else str(v).strip())


def _number(gdf: pd.DataFrame, names: Iterable[str]) -> pd.Series:
    """A capacity column as numbers: NaN where blank (or no such column); text or a negative refused."""
    col = _column(gdf, names)
    if col is None:
        return pd.Series(np.nan, index=gdf.index)
    raw = gdf[col]
    text = _text(raw)
    num = pd.to_numeric(raw.where(text != ""), errors="coerce")
    bad = (text != "") & (num.isna() | (num < 0))
    if bad.any():
        rows = [int(i) + 2 for i in gdf.index[bad.to_numpy()][:10]]  # spreadsheet rows (header = 1)
        raise InputError(
            f"Column {col} must hold non-negative numbers or be blank; rows {rows}: {list(text[bad][:5])}",
            f"{col}列须为非负数字或留空；第{rows}行：{list(text[bad][:5])}",
        )
    return num.astype(float)


def capacity_columns(gdf: pd.DataFrame) -> pd.DataFrame:
    """``places`` (学位, else 班数 × 每班人数), ``beds`` (床位), ``floor_area_m2`` (建筑面积); NaN = not given."""
    places = _number(gdf, PLACES_COLUMNS)
    by_class = _number(gdf, CLASSES_COLUMNS) * _number(gdf, CLASS_SIZE_COLUMNS)
    return pd.DataFrame(
        {
            "places": places.where(places.notna(), by_class),
            "beds": _number(gdf, BEDS_COLUMNS),
            "floor_area_m2": _number(gdf, AREA_COLUMNS),
        },
        index=gdf.index,
    )


def _convert_rows(gdf: gpd.GeoDataFrame, crs_col: Hashable) -> tuple[gpd.GeoDataFrame, list[tuple[str, str]]]:
    values = _text(gdf[crs_col]).str.lower()
    systems = values.map(lambda v: CRS_VALUES.get(v, "wgs84" if v == "" else None))
    bad = sorted(set(values[systems.isna()]))
    if bad:
        raise InputError(
            f"Unknown values in the coordinate-system column: {bad}; use WGS84, GCJ-02, BD-09 or CGCS2000",
            f"坐标系列有无法识别的值：{bad}；可填 WGS84、GCJ-02（高德/腾讯）、BD-09（百度）或 CGCS2000",
        )
    geoms = [
        geometry_from_web(g, s) if g is not None and not g.is_empty else g
        for g, s in zip(gdf.geometry, systems, strict=True)
    ]
    out = gdf.copy()
    out[out.geometry.name] = geoms
    counts = systems[systems != "wgs84"].value_counts()
    notes = [
        (f"{n} rows converted from {s.upper()}", f"{n}行由{s.upper()}转换为WGS84") for s, n in counts.items()
    ]
    return out.set_crs(STORAGE_EPSG, allow_override=True), notes


def import_facilities(
    source: str | Path | bytes | gpd.GeoDataFrame,
    *,
    standards: Standards | None = None,
    filename: str | None = None,
    coords: str = "wgs84",
    category_col: str | None = None,
    source_zh: str = "设施清单导入",
) -> FacilityImport:
    """Read a facility inventory (path, uploaded bytes with ``filename``, or a GeoDataFrame)."""
    std = standards or load_standards()
    read = read_vector(source, what="facilities", coords=coords, filename=filename)
    gdf = read.non_empty()
    notes = list(read.notes)
    if read.n_empty:
        notes.append((f"{read.n_empty} rows without a position skipped", f"{read.n_empty}行没有位置，已跳过"))
    if gdf.empty:
        raise InputError("The facility file has no positions.", "设施文件中没有任何带位置的设施。")
    crs_col = _column(gdf, CRS_COLUMNS)
    if crs_col is not None and coords == "wgs84":
        gdf, more = _convert_rows(gdf, crs_col)
        notes += more
    cat_col = category_col or _column(gdf, CATEGORY_COLUMNS)
    if cat_col is None or cat_col not in gdf.columns:
        raise InputError(
            f"The facility file needs a category column (类别 / 设施类型 / category); found {list(gdf.columns)}",
            f"设施文件需要类别列（类别 或 设施类型）；现有列：{[c for c in gdf.columns if c != 'geometry']}",
        )
    raw = _text(gdf[cat_col])
    keys = raw.map(std.resolve)
    unmatched = (
        raw[keys.isna()].value_counts().rename_axis("value").reset_index(name="count")
        if keys.isna().any()
        else pd.DataFrame({"value": [], "count": []})
    )
    name_col = _column(gdf, NAME_COLUMNS)
    names = _text(gdf[name_col]) if name_col else pd.Series([""] * len(gdf), index=gdf.index)
    id_col = _column(gdf, ID_COLUMNS)
    ids = _text(gdf[id_col]) if id_col else pd.Series([f"U{i + 1}" for i in range(len(gdf))], index=gdf.index)
    capacity = capacity_columns(gdf)
    out = gpd.GeoDataFrame(
        {
            "facility_id": ids,
            "name": names.where(names != "", ids),
            "category": keys,
            "category_raw": raw,
            "name_zh": keys.map(lambda k: std.categories[k].name_zh if isinstance(k, str) else ""),
            "address": _text(gdf[c]) if (c := _column(gdf, ADDRESS_COLUMNS)) else "",
            "status": _text(gdf[c]) if (c := _column(gdf, STATUS_COLUMNS)) else "",
            "source_zh": source_zh,
            "precision": "",  # the planner's own coordinates: no precision claimed
            "class_rule": "类别列：" + raw,
            **{c: capacity[c] for c in CAPACITY_FIELDS},
        },
        geometry=gdf.geometry.values,
        crs=STORAGE_EPSG,
    )
    out = out[out["category"].notna()].reset_index(drop=True)
    if out["facility_id"].duplicated().any():
        out["facility_id"] = [f"U{i + 1}" for i in range(len(out))]
    return FacilityImport(out, unmatched, notes, read.file)


def template_table(standards: Standards | None = None) -> dict[str, pd.DataFrame]:
    """The Excel template: an empty 设施清单 sheet, the allowed categories and coordinate systems."""
    std = standards or load_standards()
    cats = pd.DataFrame(
        [
            {"类别（填写其一）": c.name_zh, "可用别名": "、".join(c.aliases), "生活圈": c.life_circle}
            for c in std.categories.values()
        ]
    )
    crs = pd.DataFrame(
        {
            "坐标系": ["WGS84", "GCJ-02", "BD-09", "CGCS2000"],
            "说明": [
                "GPS、天地图、OpenStreetMap",
                "高德地图、腾讯地图拾取的坐标",
                "百度地图拾取的坐标",
                "国家2000坐标（经纬度）",
            ],
        }
    )
    return {"设施清单": pd.DataFrame({c: [] for c in TEMPLATE_COLUMNS}), "类别说明": cats, "坐标系说明": crs}


# ------------------------------------------------------------------ workspace
def workspace_facilities_path(workspace: Path | None = None) -> Path:
    """Where ``import-osm`` (and the page's 保存到工作区) store facilities."""
    return Path(workspace if workspace is not None else workspace_dir()) / "facilities" / "facilities.gpkg"


def save_workspace_facilities(gdf: gpd.GeoDataFrame, workspace: Path | None = None) -> Path:
    """Replace the workspace facilities with ``gdf`` (WGS84, :data:`FACILITY_FIELDS`, and the
    :data:`CAPACITY_FIELDS` it has), atomically."""
    path = workspace_facilities_path(workspace)
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_facilities_file(gdf, path)


def write_facilities_file(gdf: gpd.GeoDataFrame, path: Path) -> Path:
    """Write facilities as the workspace keeps them (:func:`save_workspace_facilities`) to ``path``, atomically."""
    cols = [c for c in (*FACILITY_FIELDS, "position_source", *CAPACITY_FIELDS) if c in gdf.columns]
    write_gpkg(
        path, {WORKSPACE_LAYER: gpd.GeoDataFrame(gdf[cols], geometry=gdf.geometry.values, crs=STORAGE_EPSG)}
    )
    return path


def load_workspace_facilities(workspace: Path | None = None) -> gpd.GeoDataFrame | None:
    """The workspace facilities, or None when none were imported."""
    path = workspace_facilities_path(workspace)
    if not path.exists():
        return None
    gdf = read_vector(path, what="facilities", layer=WORKSPACE_LAYER).non_empty()
    for c in FACILITY_FIELDS:
        if c not in gdf.columns:
            gdf[c] = ""
        gdf[c] = _text(gdf[c])
    return gdf.reset_index(drop=True)


# ------------------------------------------------------------------ plan + several sources
def plan_facilities(standards: Standards) -> gpd.GeoDataFrame:
    """The bundled plan facilities in the page's facility shape (category = standards key)."""
    g = geodata.load("plan_facilities")
    keys = g["category"].map(standards.resolve)
    out = gpd.GeoDataFrame(
        {
            "facility_id": g["facility_id"],
            "name": g["name"],
            "category": keys,
            "name_zh": keys.map(lambda k: standards.categories[k].name_zh if isinstance(k, str) else ""),
            "address": "",
            "status": g["status"].map(geodata.STATUS_LABELS),
            "source_zh": PLAN_SOURCE_ZH,
            "precision": g["precision"],
            "class_rule": "规划纲要原文",
            **{c: g[c] for c in PLAN_EXTRA},
        },
        geometry=g.geometry.values,
        crs=STORAGE_EPSG,
    )
    return out[out["category"].notna()].reset_index(drop=True)


def placeholder_mask(fac: gpd.GeoDataFrame) -> pd.Series:
    """True for the facilities whose position the plan cannot support (precision ``placeholder``,
    位置待定): counted in coverage only when the planner asks, and then said."""
    if "precision" not in fac.columns:
        return pd.Series(False, index=fac.index)
    return fac["precision"].astype(str).isin(geodata.PLACEHOLDER_PRECISIONS)


def combine_facilities(
    parts: dict[str, gpd.GeoDataFrame | None], *, capacity: bool = False
) -> gpd.GeoDataFrame:
    """Facilities of several sources in one layer; ids made unique by a source prefix when they clash.
    ``capacity`` keeps :data:`CAPACITY_FIELDS` too (NaN where a source has none)."""
    frames = []
    keep = CAPACITY_FIELDS if capacity else ()
    for prefix, gdf in parts.items():
        if gdf is None or gdf.empty:
            continue
        g = gdf.copy()
        for c in (*FACILITY_FIELDS, *PLAN_EXTRA):
            if c not in g.columns:
                g[c] = ""
        for c in keep:
            g[c] = pd.to_numeric(g[c], errors="coerce") if c in g.columns else np.nan
        g["facility_id"] = prefix + ":" + g["facility_id"].astype(str)
        frames.append(g[[*FACILITY_FIELDS, *PLAN_EXTRA, *keep, "geometry"]])
    if not frames:
        cols = {c: [] for c in FACILITY_FIELDS} | {c: pd.Series([], dtype=float) for c in keep}
        return gpd.GeoDataFrame(cols, geometry=[], crs=STORAGE_EPSG)
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=STORAGE_EPSG)


def known_coverage(
    workspace: Path | None = None, *, mode: str = "radius", standards: Standards | None = None
) -> tuple[CoverageResult, gpd.GeoDataFrame]:
    """Coverage of every category by the facilities the platform knows: the plan's (placed ones) and those
    imported into the workspace. Returns ``(result, facilities)``. ``mode="network"`` needs the workspace's
    walking network (``import-osm`` / ``import-network``)."""
    import warnings

    from renewal.analysis.coverage import network_coverage, radius_coverage
    from renewal.analysis.network_files import load_workspace_network

    std = standards or load_standards()
    fac = combine_facilities({"plan": plan_facilities(std), "ws": load_workspace_facilities(workspace)})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # what was dropped or refused is in result.warnings
        if mode == "network":
            net = load_workspace_network(workspace)
            if net is None:
                raise InputError(
                    "No walking network in the workspace: run import-osm first, or use --mode radius.",
                    "工作区中没有步行路网：请先运行 import-osm，或使用服务半径模式。",
                )
            return network_coverage(net, fac, std), fac
        return radius_coverage(fac, std), fac
