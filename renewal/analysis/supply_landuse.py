"""Residential-land coverage (城市体检 口径, issue #19): the share of 居住用地 area within a category's
service radius, beside the population-based share.

城市体检 reports some radius coverage over residential land, not over the whole district or its people:
居住用地服务半径覆盖率 = residential land within the service radius of a facility ÷ all residential land.
Residential parcels are those of a land-use layer whose field holds a residential code (``R``, ``R1``,
``R2``… of GB 50137-2011; ``07``, ``0701``… of the 国土空间调查、规划、用途管制用地用海分类) or a name with
居住 or 住宅 (居住用地, 城镇住宅用地). Parcels are merged first, so overlaps count once. Distances are
straight lines (a radius), in metres (EPSG:4548).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely

from renewal.analysis.arrays import BoolArray
from renewal.analysis.inputs import points_xy, to_metric_gdf
from renewal.errors import InputError

_CODE = re.compile(r"^(R\d*|07\d*)$")
_NAMES = ("居住", "住宅")


def residential_mask(values: Iterable[object]) -> BoolArray:
    """True where a land-use value is residential: code R…/07… or a name with 居住/住宅."""
    out: list[bool] = []
    for v in values:
        text = "" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v).strip().upper()
        out.append(bool(_CODE.match(text)) or any(n in text for n in _NAMES))
    return np.array(out, dtype=bool)


@dataclass(frozen=True)
class LandCoverage:
    """Residential land (m²) in all and within ``radius`` m of a facility, from ``field`` of ``source``."""

    field: str
    source: str
    radius: float
    residential_m2: float
    covered_m2: float
    n_parcels: int

    @property
    def share(self) -> float:
        return self.covered_m2 / self.residential_m2 if self.residential_m2 > 0 else float("nan")

    def definition_zh(self, category_zh: str) -> str:
        return (
            f"距{category_zh}{self.radius:.0f}米（直线，服务半径）范围内的居住用地面积 ÷ 居住用地总面积"
            f"（城市体检口径；居住用地：图层“{self.source}”字段“{self.field}”为R/07开头的代码或含“居住”“住宅”，"
            f"共{self.n_parcels}块，{self.residential_m2 / 1e4:,.1f}公顷）"
        )


def residential_coverage(
    landuse: gpd.GeoDataFrame, field: str, facilities: gpd.GeoDataFrame, radius: float, *, source: str = ""
) -> LandCoverage:
    """The residential land of ``landuse`` (by ``field``) within ``radius`` metres of ``facilities``."""
    if not field:
        raise InputError(
            "The land-use layer needs its land-use field (code or name), e.g. --landuse-field 用地代码.",
            "请选择用地图层中表示用地性质（代码或名称）的字段。",
        )
    if field not in landuse.columns:
        raise InputError(
            f"The land-use layer has no field {field!r} (fields: {', '.join(map(str, landuse.columns[:20]))}).",
            f"用地图层没有字段“{field}”，请选择用地代码或名称字段。",
        )
    land = to_metric_gdf(landuse, "land use")
    polys = land.geometry.values
    keep = residential_mask(land[field].tolist()) & np.isin(shapely.get_type_id(polys), (3, 6))
    if not keep.any():
        raise InputError(
            f"No residential land in field {field!r}: expected codes R, R1…, 07, 0701… or a name with 居住/住宅.",
            f"字段“{field}”中没有居住用地（应为R、R1…、07、0701…等代码，或含“居住”“住宅”的名称）。",
        )
    area = shapely.union_all(shapely.make_valid(polys[keep]))
    fac = to_metric_gdf(facilities, "facilities")
    xy = points_xy(fac) if len(fac) else np.zeros((0, 2))
    reach = shapely.union_all(shapely.buffer(shapely.points(xy), radius, quad_segs=32)) if len(xy) else None
    covered = 0.0 if reach is None else float(shapely.area(shapely.intersection(area, reach)))
    return LandCoverage(
        str(field), source, float(radius), float(shapely.area(area)), covered, int(keep.sum())
    )
