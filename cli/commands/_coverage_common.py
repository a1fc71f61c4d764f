"""Shared options and loaders of the coverage commands (accessibility, coverage,
import-network, fetch-network). Not a command itself (no ``register``; the leading
underscore keeps it out of command discovery)."""

from __future__ import annotations

import warnings

from renewal.analysis.network_files import workspace_network_path
from renewal.errors import InputError

IMPORT_ROUTE_EN = (
    "Download an OpenStreetMap extract for Tianjin (.osm.pbf, e.g. from download.geofabrik.de or "
    "BBBike) on a machine with internet, then run `python -m renewal import-network FILE.osm.pbf` "
    "(or pass `--roads FILE` to accessibility/coverage; GeoJSON/GeoPackage/Shapefile road lines work too)."
)
IMPORT_ROUTE_ZH = (
    "请在可联网的电脑上下载天津的 OpenStreetMap 数据（.osm.pbf，例如 download.geofabrik.de 或 BBBike），"
    "然后运行 `python -m renewal import-network 文件.osm.pbf`（或在 accessibility/coverage 命令中用 "
    "`--roads 文件` 直接指定；也支持 GeoJSON/GeoPackage/Shapefile 道路线图层）。"
)


def add_common(p, *, facilities=True):
    if facilities:
        p.add_argument(
            "--facilities",
            required=True,
            help="facility points (GeoJSON/GPKG/SHP, or CSV/XLSX with lon/lat or 经度/纬度); "
            "coverage also takes 'workspace' = the facilities stored by import-osm",
        )
    p.add_argument(
        "--roads",
        default=None,
        help="walking network: .osm.pbf/.osm or a line layer; 'workspace' = the imported network",
    )
    p.add_argument(
        "--mode",
        choices=("network", "radius"),
        default=None,
        help="network (walking distance) or radius (straight line); default: network if --roads",
    )
    p.add_argument(
        "--coords",
        choices=("wgs84", "gcj02", "bd09"),
        default="wgs84",
        help="coordinate system of the numbers in the facility (and origin) files: "
        "gcj02 = Amap/Tencent, bd09 = Baidu; converted to WGS84 on reading",
    )
    p.add_argument(
        "--category-field", default="category", help="facility category column (default: category)"
    )
    p.add_argument("--id-field", default=None, help="facility id column (default: id/fid/name if present)")
    p.add_argument(
        "--max-snap",
        type=float,
        default=200.0,
        help="maximum distance (m) from a point to the network; farther points are refused",
    )


def study_area(args):
    """The study area of ``args``, WGS84: ``--area FILE``, else the workspace's chosen one (set on
    生活圈覆盖), else None (the district)."""
    if getattr(args, "boundary", None):
        from renewal.analysis.study_area import read_area

        return read_area(args.boundary)
    chosen = workspace_study_area(args)
    return None if chosen.is_default else chosen.geometry


def workspace_study_area(args):
    """The workspace's :class:`~renewal.analysis.study_area.StudyArea` (the district when none was set)."""
    from renewal.storage.shared_files import current_study_area

    return current_study_area(getattr(args, "workspace", None), database=getattr(args, "database", None))


def metric_epsg(area=None) -> int:
    """The metric CRS distances are measured in for ``area`` (default: the district)."""
    from renewal.analysis.study_area import default_area
    from renewal.crs import metric_epsg_for_geometry

    return metric_epsg_for_geometry(area if area is not None else default_area())


def metric_crs_line(epsg: int) -> str:
    """``metric CRS: EPSG:4548 (CGCS2000 / 3-degree Gauss-Kruger CM 117E)``."""
    from renewal.crs import crs_label

    return f"metric CRS: {crs_label(epsg)} (the study area's; every distance and area is measured in it)"


def load_network(args):
    """The walking network for ``args`` (or None in radius mode)."""
    from renewal.analysis.network import NetworkWarning
    from renewal.analysis.network_files import read_network

    mode = args.mode or ("network" if args.roads else "radius")
    args.mode = mode
    area = study_area(args)
    print(metric_crs_line(metric_epsg(area)))
    if mode == "radius":
        return None
    roads = args.roads
    if roads in (None, "workspace"):
        path = workspace_network_path(args.workspace)
        if not path.exists():
            raise InputError(
                "No walking network: pass --roads FILE or import one. " + IMPORT_ROUTE_EN,
                "没有步行路网：请用 --roads 指定文件或先导入。" + IMPORT_ROUTE_ZH,
            )
        roads = path
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", NetworkWarning)
        net = read_network(roads, area=area)
    for w in caught:
        print(f"warning: {w.message}")
    if net.crs != metric_epsg(area):
        print(f"network built in EPSG:{net.crs}: reprojected to the study area's metric CRS")
    r = net.report
    print(
        f"network: {r.get('nodes')} nodes, {r.get('edges')} edges, {r.get('length_m', 0) / 1000:.1f} km"
        + (
            f"; dropped {r['dropped_components']} disconnected pieces ({r['dropped_share']:.1%} of length)"
            if r.get("dropped_components")
            else ""
        )
    )
    return net
