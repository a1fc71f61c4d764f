"""Checking a file for a workspace layer (zones, population, reference) before anything is written.

:func:`check_layer` reads the file with the one reader (:func:`renewal.io.read.read_vector`),
checks what the target layer needs, and returns a :class:`LayerCheck`: the summary a
planner sees (count, bounds, CRS, fields, notes) and the problems by row. Writing is the
caller's, and only when there are no problems (:class:`renewal.storage.layers.LayerStore`).

* every layer: at least one feature; the data must lie in or near Hedong District under
  the CRS it was read as, else the likely CRS is suggested (:mod:`renewal.io.plausibility`);
  a GCJ-02 look-alike is a problem until the planner states the CRS (``crs`` given);
* zones: polygons only; invalid polygons repaired where the repair stays a polygon, else refused
  by row; a name field (name/名称) is kept as ``name``;
* population: points or polygons with a numeric, non-negative population field
  (population/人口/pop/POP), or a GeoTIFF (populated pixels as points).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field

import geopandas as gpd
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from renewal.errors import InputError
from renewal.io import plausibility
from renewal.io.read import VectorFile, VectorSource, read_vector

POP_NAMES = ("population", "人口", "pop", "人口数", "常住人口")
NAME_NAMES = ("name", "名称", "名字", "zone", "分区")
MAX_ROWS_LISTED = 20


@dataclass
class LayerCheck:
    kind: str
    file: str
    read: VectorFile | None = None
    gdf: gpd.GeoDataFrame | None = None
    problems: list[tuple[str, str]] = field(default_factory=list)  # (English, Chinese), by row where possible
    notes: list[tuple[str, str]] = field(default_factory=list)
    verdict: plausibility.Verdict | None = None

    @property
    def ok(self) -> bool:
        return not self.problems and self.gdf is not None and len(self.gdf) > 0

    @property
    def count(self) -> int:
        return 0 if self.gdf is None else len(self.gdf)

    @property
    def bounds(self) -> tuple[float, ...] | None:
        if self.gdf is None or self.gdf.empty:
            return None
        return tuple(round(float(v), 6) for v in self.gdf.total_bounds)

    @property
    def fields(self) -> list[str]:
        return [] if self.gdf is None else [c for c in self.gdf.columns if c != self.gdf.geometry.name]

    def problem(self, en: str, zh: str) -> None:
        self.problems.append((en, zh))

    def summary_en(self) -> str:
        r = self.read
        lines = [
            f"File:      {self.file}" + (f" (layer {r.layer})" if r and r.layer else ""),
            f"Target:    {self.kind}",
            f"Features:  {self.count}",
            f"CRS:       {r.crs if r else '-'}",
            f"Bounds:    {self.bounds}",
            f"Fields:    {', '.join(map(str, self.fields))}",
        ]
        lines += [f"Note:      {en}" for en, _ in self.notes]
        lines += [f"Problem:   {en}" for en, _ in self.problems]
        return "\n".join(lines)

    def error(self) -> InputError:
        return InputError(
            f"{self.file}: {len(self.problems)} problem(s); nothing was imported",
            f"文件“{self.file}”有{len(self.problems)}处问题，未导入任何数据："
            + "；".join(zh for _, zh in self.problems[:5]),
            details=[en for en, _ in self.problems[:MAX_ROWS_LISTED]],
        )


def _find(columns: Iterable[Hashable], names: Iterable[str]) -> Hashable | None:
    low = {str(c).strip().lower(): c for c in columns}
    return next((low[n] for n in names if n in low), None)


def _rows(mask: pd.Series) -> list[int]:
    """1-based feature numbers of the True rows (at most MAX_ROWS_LISTED)."""
    return [int(i) + 1 for i in mask.to_numpy().nonzero()[0][:MAX_ROWS_LISTED]]


def _check_zones(c: LayerCheck, gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    polygonal = gdf.geom_type.isin(["Polygon", "MultiPolygon"])
    if (~polygonal).any():
        c.problem(
            f"zones must be polygons; features {_rows(~polygonal)} are {sorted(set(gdf.geom_type[~polygonal]))}",
            f"分区必须是面；第{_rows(~polygonal)}个要素不是面",
        )
        return gdf
    gdf = _repair_polygons(c, gdf)
    name = _find(gdf.columns, NAME_NAMES)
    if name is not None and name != "name":
        gdf = gdf.rename(columns={name: "name"})
    return gdf


def _repair_polygons(c: LayerCheck, gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Invalid polygons repaired (shapely.make_valid) where the repair is still a polygon; else a problem by row."""
    polygonal = gdf.geom_type.isin(["Polygon", "MultiPolygon"])
    invalid = polygonal & ~gdf.geometry.is_valid
    if not invalid.any():
        return gdf
    fixed = gpd.GeoSeries(shapely.make_valid(gdf.geometry.values), index=gdf.index, crs=gdf.crs)
    fixed = fixed.where(~fixed.geom_type.eq("GeometryCollection"), fixed.map(_polygonal_part))
    still = invalid & ~fixed.geom_type.isin(["Polygon", "MultiPolygon"])
    if still.any():
        c.problem(
            f"features {_rows(still)} have invalid polygons that cannot be repaired safely",
            f"第{_rows(still)}个要素的面无效且无法安全修复",
        )
        return gdf
    c.notes.append(
        (f"repaired invalid polygons of features {_rows(invalid)}", f"已修复第{_rows(invalid)}个要素的无效面")
    )
    return gdf.set_geometry(fixed.where(invalid, gdf.geometry))


def _polygonal_part(geom: BaseGeometry) -> BaseGeometry:
    parts = [g for g in getattr(geom, "geoms", []) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else geom


def _check_population(c: LayerCheck, gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    col = _find(gdf.columns, POP_NAMES)
    if col is None:
        c.problem(
            f"population needs a population field ({', '.join(POP_NAMES)}); found {c.fields}",
            f"人口图层需要人口字段（population、人口、pop），现有字段：{c.fields}",
        )
        return gdf
    values = pd.to_numeric(gdf[col], errors="coerce")
    bad = values.isna() | (values < 0)
    if bad.any():
        c.problem(
            f"features {_rows(bad)}: population is not a number >= 0",
            f"第{_rows(bad)}个要素的人口不是非负数字",
        )
    types = gdf.geom_type.isin(["Point", "MultiPoint", "Polygon", "MultiPolygon"])
    if (~types).any():
        c.problem(
            f"features {_rows(~types)}: population must be points or polygons",
            f"第{_rows(~types)}个要素不是点或面",
        )
    return gdf.drop(columns=[col]).assign(population=values)


def check_layer(
    source: VectorSource,
    kind: str,
    *,
    crs: str | None = None,
    layer: str | None = None,
    filename: str | None = None,
) -> LayerCheck:
    """Read and check ``source`` (path or bytes with ``filename``) for the workspace layer ``kind``."""
    name = filename or str(source)
    c = LayerCheck(kind=kind, file=name)
    read = read_vector(source, what=kind, crs=crs, layer=layer, filename=filename)
    c.read = read
    c.notes.extend(read.notes)
    empty = read.empty_mask
    if empty.any():
        c.problem(f"features {_rows(empty)} have no geometry", f"第{_rows(empty)}个要素没有几何图形")
    gdf = read.non_empty()
    if kind == "zones":
        gdf = _check_zones(c, gdf)
    elif kind == "population":
        gdf = _check_population(c, gdf)
    else:
        gdf = _repair_polygons(c, gdf)
    c.gdf = gdf
    if len(gdf):
        far = pd.Series(plausibility.outside_district(gdf))
        if far.any() and not far.all():
            c.notes.append(
                (
                    f"features {_rows(far)} lie outside Hedong District (more than 1 km)",
                    f"第{_rows(far)}个要素位于河东区外（超过1公里）",
                )
            )
    if read.raw is not None and read.declared is not None and len(gdf):
        c.verdict = plausibility.check(read.raw[~empty], read.declared)
        if not c.verdict.ok:
            c.problem(c.verdict.message_en, c.verdict.message_zh)
        elif c.verdict.suggestions and crs is None:
            c.problem(
                c.verdict.message_en + " State the CRS (--crs gcj02, or --crs wgs84 to keep it).",
                c.verdict.message_zh + "请指定坐标系（gcj02，或wgs84保持原样）。",
            )
    return c
