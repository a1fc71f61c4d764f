"""Import of renewal sites from a file: read, summarise, check; write only when clean.

:func:`read_sites_file` reads GeoJSON, GeoPackage or Shapefile (``.shp`` or a
zipped one), converts GCJ-02/BD-09 numbers to WGS84 when told, validates every
feature with :func:`renewal.sites.validate_site` and returns an
:class:`ImportResult`: the summary (count, bounds, CRS, fields, geometry
types, problems, notes) and the records ready for
:meth:`renewal.store.Store.add_sites`. A file with any problem is never
written: empty, malformed, truncated, null geometries, outside the district.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd
from shapely.geometry.base import BaseGeometry

from renewal.crs import COORDINATE_SYSTEMS, STORAGE_EPSG, geometry_from_web
from renewal.errors import InputError
from renewal.sites import SITE_FIELDS, validate_site

SUFFIXES = (".geojson", ".json", ".gpkg", ".shp", ".zip")
MAX_LISTED_PROBLEMS = 20


@dataclass
class ImportResult:
    """What an import would do. ``ok`` only when ``problems`` is empty."""

    file: str
    count: int = 0
    bounds: tuple[float, float, float, float] | None = None
    crs: str = ""
    fields: list[str] = field(default_factory=list)
    geom_types: dict[str, int] = field(default_factory=dict)
    layer: str = ""
    problems: list[tuple[str, str]] = field(default_factory=list)  # (English, Chinese)
    notes: list[tuple[str, str]] = field(default_factory=list)
    records: list[tuple[dict, BaseGeometry]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.records)

    def problem(self, en: str, zh: str) -> None:
        self.problems.append((en, zh))

    def summary_en(self) -> str:
        b = ", ".join(f"{v:.5f}" for v in self.bounds) if self.bounds else "-"
        lines = [
            f"File:      {self.file}" + (f" (layer {self.layer})" if self.layer else ""),
            f"Features:  {self.count}",
            f"Geometry:  {', '.join(f'{k} x{v}' for k, v in self.geom_types.items()) or '-'}",
            f"CRS:       {self.crs or '-'}",
            f"Bounds:    {b} (WGS84 lon/lat)",
            f"Fields:    {', '.join(self.fields) or '-'}",
        ]
        lines += [f"Note:      {en}" for en, _ in self.notes]
        if self.problems:
            lines.append(f"Problems:  {len(self.problems)}")
            lines += [f"  - {en}" for en, _ in self.problems[:MAX_LISTED_PROBLEMS]]
            if len(self.problems) > MAX_LISTED_PROBLEMS:
                lines.append(f"  ... and {len(self.problems) - MAX_LISTED_PROBLEMS} more")
        else:
            lines.append("Problems:  none")
        return "\n".join(lines)

    def summary_zh(self) -> str:
        """The summary in Chinese (plain text)."""
        b = ", ".join(f"{v:.5f}" for v in self.bounds) if self.bounds else "—"
        lines = [
            f"文件：{Path(self.file).name}" + (f"（图层 {self.layer}）" if self.layer else ""),
            f"要素数：{self.count}",
            f"几何类型：{'，'.join(f'{k} {v}个' for k, v in self.geom_types.items()) or '—'}",
            f"坐标系：{self.crs or '—'}",
            f"范围（WGS84经纬度）：{b}",
            f"字段：{'，'.join(self.fields) or '—'}",
        ]
        lines += [f"说明：{zh}" for _, zh in self.notes]
        lines.append(f"问题：{len(self.problems)}处" if self.problems else "问题：无")
        lines += [f"  - {zh}" for _, zh in self.problems[:MAX_LISTED_PROBLEMS]]
        if len(self.problems) > MAX_LISTED_PROBLEMS:
            lines.append(f"  …… 另有{len(self.problems) - MAX_LISTED_PROBLEMS}处")
        return "\n".join(lines)

    def error(self) -> InputError:
        """The refusal to raise when there are problems."""
        return InputError(
            f"{self.file}: {len(self.problems)} problem(s); nothing was imported.",
            f"文件“{Path(self.file).name}”有{len(self.problems)}处问题，未导入任何数据：" + "；".join(
                zh for _, zh in self.problems[:5]),
            details=[en for en, _ in self.problems[:MAX_LISTED_PROBLEMS]],
        )


def _read(path: Path, result: ImportResult) -> gpd.GeoDataFrame | None:
    suffix = path.suffix.lower()
    if suffix in (".geojson", ".json"):
        try:
            doc = json.loads(path.read_text(encoding="utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            result.problem(f"not valid JSON (malformed or truncated file): {exc}",
                           "不是有效的JSON（文件格式错误或不完整）")
            return None
        if not isinstance(doc, dict) or doc.get("type") not in ("FeatureCollection", "Feature"):
            result.problem("not a GeoJSON FeatureCollection", "不是GeoJSON要素集合（FeatureCollection）")
            return None
    read_kw = {}
    if suffix == ".gpkg":
        try:
            import pyogrio

            layers = [str(n) for n, _ in pyogrio.list_layers(path)]
        except Exception as exc:
            result.problem(f"cannot read the GeoPackage (malformed or truncated): {exc}",
                           "无法读取GeoPackage文件（格式错误或不完整）")
            return None
        if not layers:
            result.problem("the GeoPackage has no layers", "GeoPackage文件中没有图层")
            return None
        layer = next((n for n in ("sites", "renewal_sites") if n in layers), layers[0])
        result.layer = layer
        read_kw["layer"] = layer
        if len(layers) > 1:
            result.notes.append((f"reading layer {layer!r} of {layers}", f"读取图层“{layer}”（共{len(layers)}个图层）"))
    try:
        return gpd.read_file(path, **read_kw)
    except Exception as exc:  # pyogrio raises several types for broken files
        result.problem(f"cannot read the file (malformed or truncated): {exc}", "无法读取文件（格式错误或不完整）")
        return None


def read_sites_file(path: Path | str, *, coords: str = "wgs84") -> ImportResult:
    """Read and check a file of sites; never writes anything."""
    path = Path(path)
    result = ImportResult(file=str(path))
    if coords not in COORDINATE_SYSTEMS:
        raise InputError(f"Unknown coordinate system {coords!r}; use wgs84, gcj02 or bd09",
                         f"未知坐标系“{coords}”，可选 wgs84、gcj02、bd09")
    if not path.exists():
        raise InputError(f"File not found: {path}", f"找不到文件：{path}")
    if path.suffix.lower() not in SUFFIXES:
        raise InputError(f"Unsupported file type {path.suffix!r}; use {', '.join(SUFFIXES)}",
                         f"不支持的文件类型“{path.suffix}”，可选：{'、'.join(SUFFIXES)}")
    if path.stat().st_size == 0:
        result.problem("the file is empty (0 bytes)", "文件为空（0字节）")
        return result
    gdf = _read(path, result)
    if gdf is None:
        return result
    result.count = len(gdf)
    result.fields = [c for c in gdf.columns if c != gdf.geometry.name]
    if gdf.empty:
        result.problem("the file has no features", "文件中没有任何要素")
        return result
    result.geom_types = {str(k): int(v) for k, v in gdf.geom_type.fillna("null").value_counts().items()}
    if gdf.crs is None:
        if path.suffix.lower() in (".geojson", ".json"):
            gdf = gdf.set_crs(STORAGE_EPSG)
            result.crs = "none given; GeoJSON default WGS84 (EPSG:4326)"
        else:
            result.problem("the file has no coordinate reference system", "文件没有坐标参考系")
            return result
    else:
        result.crs = gdf.crs.to_string()
        if gdf.crs.to_epsg() != STORAGE_EPSG:
            gdf = gdf.to_crs(STORAGE_EPSG)
            result.notes.append((f"converted from {result.crs} to WGS84", f"已由{result.crs}转换为WGS84"))
    nulls = gdf.geometry.isna() | gdf.geometry.is_empty
    if nulls.any():
        result.problem(f"{int(nulls.sum())} feature(s) have no geometry (null or empty)",
                       f"{int(nulls.sum())}个要素没有几何图形（为空）")
    if coords != "wgs84":
        gdf = gdf.copy()
        gdf["geometry"] = [geometry_from_web(g, coords) if g is not None else None for g in gdf.geometry]
        result.notes.append((f"converted {coords.upper()} numbers to WGS84", f"已将{coords.upper()}坐标转换为WGS84"))
    valid_geoms = gdf.geometry[~nulls]
    if len(valid_geoms):
        result.bounds = tuple(float(v) for v in valid_geoms.total_bounds)
    if "name" not in gdf.columns:
        result.problem("the file has no 'name' field", "文件缺少名称字段（name）")
        return result
    defaults = []
    if "status" not in gdf.columns:
        defaults.append("status=planned")
    if "precision" not in gdf.columns:
        defaults.append("precision=approximate")
    if defaults:
        result.notes.append((f"missing fields get defaults: {', '.join(defaults)}",
                             f"缺少的字段取默认值：{'，'.join(defaults)}"))
    outside = 0
    for i, (_, row) in enumerate(gdf.iterrows(), start=1):
        if nulls.iloc[i - 1]:
            continue
        props = {f: row.get(f) for f in SITE_FIELDS if f in gdf.columns}
        props = {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in props.items()}
        props.setdefault("status", "planned")
        props.setdefault("precision", "approximate")
        if not props.get("position_source"):
            props["position_source"] = f"导入自文件 {path.name}，文件未说明定位依据"
        if not props.get("source"):
            props["source"] = f"导入：{path.name}"
        try:
            clean, geom, notes = validate_site(props, row.geometry)
        except InputError as err:
            if "outside Hedong" in err.message_en:
                outside += 1
            result.problem(f"feature {i} ({row.get('name')!s}): {err.message_en}",
                           f"第{i}个要素（{row.get('name')!s}）：{err.message_zh}")
            continue
        for n in notes:
            result.notes.append((f"feature {i}: {n}", f"第{i}个要素：几何已自动修复"))
        result.records.append((clean, geom))
    if outside:
        result.notes.append((f"{outside} feature(s) lie outside the district: wrong place or wrong coordinate "
                             "system? Try --coords gcj02 or bd09 for web-map coordinates.",
                             f"{outside}个要素位于区外：位置或坐标系可能有误"))
    return result


def check_ids(result: ImportResult, existing_ids) -> ImportResult:
    """Add a problem for ids repeated within the file and for ids already in the workspace (imports only add).

    ``existing_ids`` should be the ids of :func:`renewal.sites.current_sites` (the bundled catalogue
    when there is no store yet: the first write seeds the store from it). Records without a
    ``site_id`` get a new one on import and are never a clash.
    """
    existing = set(existing_ids)
    ids = [str(p.get("site_id") or "").strip() for p, _ in result.records]
    ids = [i for i in ids if i]
    seen: set[str] = set()
    repeated = sorted({i for i in ids if i in seen or seen.add(i)})
    if repeated:
        shown = ", ".join(repeated[:10]) + (" ..." if len(repeated) > 10 else "")
        result.problem(
            f"{len(repeated)} site id(s) are repeated in the file ({shown}); each site needs its own id. "
            "Fix the ids or empty the site_id column to get new ones.",
            f"{len(repeated)}个项目编号在文件中重复出现（{shown}）；每个项目的编号须唯一。请修改编号，或清空site_id列以自动编号。",
        )
    clash = sorted({i for i in ids if i in existing})
    if clash:
        shown = ", ".join(clash[:10]) + (" ..." if len(clash) > 10 else "")
        result.problem(
            f"{len(clash)} site id(s) already exist in the workspace ({shown}); an import only adds sites. "
            "Remove or empty the site_id column to add them as new sites.",
            f"{len(clash)}个项目编号在工作区中已存在（{shown}）；导入只能新增项目。如需作为新项目导入，请删除或清空site_id列。",
        )
    return result


def read_sites_bytes(data: bytes, filename: str, *, coords: str = "wgs84") -> ImportResult:
    """:func:`read_sites_file` for an upload: the bytes are written to a temporary file named like the upload."""
    import tempfile

    name = Path(filename).name or "upload"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        result = read_sites_file(path, coords=coords)
    result.file = name
    return result


def as_table(result: ImportResult) -> pd.DataFrame:
    """The records of an import as a plain table (for previews)."""
    return pd.DataFrame([{**p, "geometry": g.wkt} for p, g in result.records])
