"""The study area: the district by default, or any polygon file a planner brings.

:func:`read_area` reads a polygon layer (GeoJSON, GeoPackage, zipped Shapefile, KML ...)
through the one reader and returns its union in WGS84; :func:`clip_area` adds a buffer
(measured in the area's own metric CRS, :func:`renewal.crs.metric_epsg_for_geometry`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import shapely

import geodata
from renewal.crs import STORAGE_EPSG, metric_epsg_for_geometry, to_metric
from renewal.errors import InputError
from renewal.settings import workspace_dir

#: How the bundled default study area is named on pages and in reports.
DEFAULT_AREA_NAME = "河东区区界"


@dataclass(frozen=True)
class StudyArea:
    """A study area: its name, WGS84 geometry, whether it is the bundled district, and who set it when
    (UTC text from the workspace's records; empty for the default that nobody set)."""

    name: str
    geometry: shapely.Geometry
    is_default: bool = True
    who: str = ""
    at: str = ""

    @property
    def metric_epsg(self) -> int:
        return metric_epsg_for_geometry(self.geometry)

    @property
    def area_km2(self) -> float:
        # to_metric, not to_crs: cheap in the new thread of every page run (to_crs searched PROJ's database
        # again in every thread, 0.08 s of each 生活圈覆盖 run)
        metric = to_metric(gpd.GeoSeries([self.geometry], crs=STORAGE_EPSG), self.metric_epsg)
        return float(metric.area.iloc[0]) / 1e6

    @property
    def area_zh(self) -> str:
        """``约 39.6 平方公里`` (rounded: a drawn boundary is not surveyed to the square metre)."""
        km2 = self.area_km2
        return f"约 {km2:,.1f} 平方公里" if km2 < 100 else f"约 {km2:,.0f} 平方公里"

    def frame(self) -> gpd.GeoDataFrame:
        """The area as a one-row WGS84 layer (``name``, ``area_zh``) for maps."""
        return gpd.GeoDataFrame(
            {"name": [self.name], "area_zh": [self.area_zh]}, geometry=[self.geometry], crs=STORAGE_EPSG
        )


def workspace_area_path(workspace: Path | None = None) -> Path:
    """Where the workspace keeps its chosen study area (a one-feature GeoJSON, WGS84)."""
    return Path(workspace if workspace is not None else workspace_dir()) / "study_area" / "study_area.geojson"


def write_area_file(area: StudyArea, path: Path) -> None:
    """Write ``area`` (name, geometry, default flag) as GeoJSON to ``path`` (the caller makes it atomic)."""
    feature = {
        "type": "Feature",
        "properties": {"name": area.name, "default": area.is_default},
        "geometry": shapely.geometry.mapping(area.geometry),
    }
    Path(path).write_text(
        json.dumps({"type": "FeatureCollection", "features": [feature]}, ensure_ascii=False)
    )


def read_area_file(path: Path) -> tuple[str, shapely.Geometry, bool]:
    """(name, WGS84 geometry, is the default) of a file :func:`write_area_file` wrote."""
    feature = json.loads(Path(path).read_text())["features"][0]
    props = feature.get("properties") or {}
    return str(props.get("name", "")), shapely.geometry.shape(feature["geometry"]), bool(props.get("default"))


def read_area(
    source: str | Path | bytes | gpd.GeoDataFrame, *, layer: str | None = None, filename: str | None = None
) -> shapely.Geometry:
    """The union of the polygons in ``source`` (path, uploaded bytes with ``filename``, or
    GeoDataFrame), WGS84."""
    from renewal.io.read import read_vector

    gdf = read_vector(source, what="study area", layer=layer, filename=filename).non_empty()
    g = gdf.geometry.values
    polys = g[shapely.get_dimensions(g) == 2]
    if len(polys) == 0:
        raise InputError(
            f"The study-area file has no polygons ({len(g)} features of other kinds).",
            f"研究范围文件中没有面要素（共 {len(g)} 个非面要素）。",
        )
    area = shapely.make_valid(shapely.union_all(polys))
    if area.is_empty or area.area <= 0:
        raise InputError("The study area has no area.", "研究范围没有面积。")
    return area


def default_area() -> shapely.Geometry:
    """The bundled district boundary (WGS84)."""
    return shapely.union_all(geodata.load("district").geometry.values)


def default_study_area() -> StudyArea:
    """The bundled district as a :class:`StudyArea`."""
    return StudyArea(DEFAULT_AREA_NAME, default_area())


def clip_area(
    buffer_m: float, area: shapely.Geometry | gpd.GeoDataFrame | gpd.GeoSeries | None = None
) -> shapely.Geometry:
    """``area`` (WGS84 geometry or GeoDataFrame; default: the district) plus ``buffer_m``, WGS84."""
    if not buffer_m >= 0:
        raise InputError(f"--buffer must be >= 0, got {buffer_m}", f"缓冲距离须不小于0，当前为 {buffer_m}")
    if area is None:
        area = default_area()
    elif isinstance(area, gpd.GeoDataFrame | gpd.GeoSeries):
        area = shapely.union_all(area.to_crs(STORAGE_EPSG).geometry.values)
    epsg = metric_epsg_for_geometry(area)
    m = gpd.GeoSeries([area], crs=STORAGE_EPSG).to_crs(epsg).iloc[0].buffer(buffer_m)
    return gpd.GeoSeries([m], crs=epsg).to_crs(STORAGE_EPSG).iloc[0]


def describe_bounds(bounds: tuple[float, float, float, float]) -> str:
    """``lon 24.935..24.953, lat 60.164..60.179``."""
    x0, y0, x1, y1 = bounds
    return f"lon {x0:.3f}..{x1:.3f}, lat {y0:.3f}..{y1:.3f}"
