"""Deterministic writers shared by the plan digitisation scripts (layout, renewal sites)."""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable
from pathlib import Path

from shapely.geometry import mapping


def write_feature_collection(
    path: Path, name: str, features: Iterable, id_field: str, id_prefix: str
) -> Path:
    """Write (properties, geometry) pairs as a WGS84 GeoJSON FeatureCollection with stable ids.

    Ids are ``<id_prefix>001``, ``002``… in the given order; coordinates are cut to
    6 decimals (~0.1 m, far finer than any placement here) so the file is stable.
    """
    feats = []
    for i, (props, geom) in enumerate(features, start=1):
        props = {id_field: f"{id_prefix}{i:03d}", **props}
        feats.append({"type": "Feature", "properties": props, "geometry": mapping(geom)})
    fc = {
        "type": "FeatureCollection",
        "name": name,
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}},
        "features": feats,
    }
    text = json.dumps(fc, ensure_ascii=False, indent=1)
    path.write_text(re.sub(r"(-?\d+\.\d{6})\d+", r"\1", text), encoding="utf-8")
    return path


def write_csv(path: Path, header: list[str], rows: Iterable) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path
