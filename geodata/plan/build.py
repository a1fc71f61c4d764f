"""Build the plan layers from their reviewable tables.

The plan's spatial items are kept as tables, one row per item with the plan's words and clause
(``geodata/plan/items/layout.csv``, ``renewal_sites.csv``, ``facilities.csv``); the items the plan names
but that could not be placed are tables already (``*_unplaced.csv``). Review the tables, not the GeoJSON.
``python -m geodata.plan.build`` regenerates ``layout.geojson``, ``renewal_sites.geojson`` and
``facilities.geojson`` deterministically; ``tests/test_geodata.py`` checks that the committed files are
exactly what the tables give.

A table's ``geometry`` cell is either WKT in WGS84 (a point or line placed from the plan's words) or a
named shape built from the bundled real layers:

* ``@station_area``: the 站产城融合发展片区 box clipped to the district polygon;
* ``@jinmao`` / ``@jinmao_zone:东南``: the 金贸产业园 box clipped to the district, and its four quarters;
* ``@belt``: the district within 450 m of its Haihe edges (measured in EPSG:4548);
* ``@renewal_area:大直沽片区`` / ``@renewal_area:富民路片区``: the area's box clipped to the district, minus
  the station area;
* ``@layout:NAME`` / ``@site:NAME``: the same shape as the layout feature or renewal site of that name.

Columns named ``field:int`` or ``field:float`` hold numbers; an empty cell of an extra column means the item
has no such field. Data honesty (``precision``, ``location_confidence``, ``position_source``) is in the rows.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable, Iterable
from pathlib import Path

from shapely import wkt
from shapely.geometry import box, mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

HERE = Path(__file__).resolve().parent
ITEMS = HERE / "items"
BASE = HERE.parent / "base"
SOURCE = "河东区“十五五”规划纲要（河东政发〔2026〕2号）"

# The schematic extents the named shapes are cut from (lon/lat boxes).
STATION_AREA_BOX = (117.195, 39.117, 117.2275, 39.150)
JINMAO_BOX = (117.270, 39.084, 117.296, 39.098)
JINMAO_SPLIT = (117.283, 39.091)  # where the four 金贸 zones meet: lon, lat
BELT_WIDTH_M = 450.0
RENEWAL_AREA_BOXES = {
    "大直沽片区": (117.2180, 39.0990, 117.2380, 39.1170),
    "富民路片区": (117.2380, 39.0990, 117.2560, 39.1170),
}

#: layer -> (table, GeoJSON name, id field, id prefix, the core columns every row has)
LAYERS = {
    "layout": (
        "layout",
        "layout",
        "feature_id",
        "L-",
        ("name", "layout", "category", "plan_clause", "plan_text", "status", "precision", "position_source"),
    ),
    "renewal_sites": (
        "renewal_sites",
        "renewal_sites",
        "site_id",
        "RS-",
        (
            "name",
            "site_type",
            "category",
            "renewal_area",
            "plan_clause",
            "plan_text",
            "status",
            "precision",
            "position_source",
            "location_confidence",
        ),
    ),
    "facilities": (
        "facilities",
        "plan_facilities",
        "facility_id",
        "PF-",
        (
            "name",
            "category",
            "facility_type",
            "renewal_project",
            "plan_clause",
            "plan_text",
            "status",
            "precision",
            "position_source",
            "location_confidence",
        ),
    ),
}
_TYPES: dict[str, Callable[[str], object]] = {"int": int, "float": float}


def _district() -> BaseGeometry:
    import geopandas as gpd

    return gpd.read_file(BASE / "hedong_boundary_wgs84.geojson").geometry.iloc[0]


def _belt(district: BaseGeometry) -> BaseGeometry:
    """The east-bank belt: the district within BELT_WIDTH_M of its Haihe edges."""
    import geopandas as gpd

    haihe = gpd.read_file(BASE / "haihe_approx_from_district_boundaries_wgs84.geojson")
    edges = haihe[haihe["segment"].str.startswith("河东区")].geometry
    # geodata sits below renewal (no import of renewal.crs): the same EPSG:4548 metric CRS via geopandas
    metric = gpd.GeoSeries([unary_union(list(edges))], crs=4326).to_crs(4548)
    band = metric.buffer(BELT_WIDTH_M, cap_style="flat").to_crs(4326).iloc[0]
    return band.intersection(district)


def named_shapes() -> dict[str, BaseGeometry]:
    """The shapes a table may name (``@…``) that do not depend on another plan layer."""
    district = _district()
    x0, y0, x1, y1 = JINMAO_BOX
    sx, sy = JINMAO_SPLIT
    quarters = {
        "西北": box(x0, sy, sx, y1),
        "东北": box(sx, sy, x1, y1),
        "西南": box(x0, y0, sx, sy),
        "东南": box(sx, y0, x1, sy),
    }
    zones = {k: v.intersection(district) for k, v in quarters.items()}
    station = box(*STATION_AREA_BOX).intersection(district)
    shapes = {
        "@station_area": station,
        "@jinmao": unary_union(list(zones.values())),
        "@belt": _belt(district),
    }
    shapes.update({f"@jinmao_zone:{k}": v for k, v in zones.items()})
    shapes.update(
        {
            f"@renewal_area:{k}": box(*b).intersection(district).difference(station)
            for k, b in RENEWAL_AREA_BOXES.items()
        }
    )
    return shapes


def read_items(layer: str, shapes: dict[str, BaseGeometry]) -> list[tuple[dict[str, object], BaseGeometry]]:
    """One layer's table as (properties, WGS84 geometry) pairs, in table order."""
    table, _, _, _, core = LAYERS[layer]
    with (ITEMS / f"{table}.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    out = []
    for i, row in enumerate(rows, start=2):
        props: dict[str, object] = {k: row[k] for k in core}
        props["source"] = SOURCE
        for column, cell in row.items():
            name, _, kind = column.partition(":")
            if name in core or name == "geometry" or cell == "":
                continue
            props[name] = _TYPES[kind](cell) if kind else cell
        cell = row["geometry"]
        if cell.startswith("@"):
            if cell not in shapes:
                raise ValueError(f"{table}.csv line {i}: unknown shape {cell!r}")
            geom = shapes[cell]
        else:
            geom = wkt.loads(cell)
        out.append((props, geom))
    return out


def write_feature_collection(
    path: Path,
    name: str,
    features: Iterable[tuple[dict[str, object], BaseGeometry]],
    id_field: str,
    id_prefix: str,
) -> Path:
    """Write (properties, geometry) pairs as a WGS84 GeoJSON FeatureCollection with stable ids.

    Ids are ``<id_prefix>001``, ``002``… in the given order; coordinates are cut to 6 decimals (~0.1 m, far
    finer than any placement here) so the file is stable.
    """
    feats = []
    for i, (props, geom) in enumerate(features, start=1):
        feats.append(
            {
                "type": "Feature",
                "properties": {id_field: f"{id_prefix}{i:03d}", **props},
                "geometry": mapping(geom),
            }
        )
    fc = {
        "type": "FeatureCollection",
        "name": name,
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}},
        "features": feats,
    }
    text = json.dumps(fc, ensure_ascii=False, indent=1)
    path.write_text(re.sub(r"(-?\d+\.\d{6})\d+", r"\1", text), encoding="utf-8")
    return path


def build(out_dir: Path = HERE) -> dict[str, Path]:
    """Write the three plan layers into ``out_dir``; return their paths by layer.

    The renewal sites may reuse layout shapes and the plan facilities renewal-site shapes, so the layers are
    built in that order, each from the shapes of the file the previous one was just written to.
    """
    shapes = named_shapes()
    paths = {}
    for layer, (_, name, id_field, prefix, _) in LAYERS.items():
        items = read_items(layer, shapes)
        paths[layer] = write_feature_collection(out_dir / f"{layer}.geojson", name, items, id_field, prefix)
        tag = {"layout": "@layout:", "renewal_sites": "@site:"}.get(layer)
        if tag:  # as written (coordinates cut to 6 decimals), the shape a reader of the file sees
            written = json.loads(paths[layer].read_text(encoding="utf-8"))["features"]
            shapes.update({f"{tag}{f['properties']['name']}": shape(f["geometry"]) for f in written})
    return paths


if __name__ == "__main__":
    for p in build().values():
        print("wrote", p)
