"""Generate the hostile files of the importers' corpus: ``tests/data/bad/io_*``.

Run ``python tests/data/make_io_bad_corpus.py``; the files are committed, and
tests/test_io_bad_corpus.py checks that each is refused with a clear message by every
importer (CLI exit 2, nothing written). ``EXPECT`` says which words the English message
must contain, so a file refused for the wrong reason fails the test.
"""

from __future__ import annotations

import io
import json
import struct
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
from shapely.geometry import Point

OUT = Path(__file__).resolve().parent / "bad"
IN = (117.2277, 39.11)  # a point inside Hedong

#: file -> words the English message must contain (lower case)
EXPECT: dict[str, str] = {}


def put(name: str, data: bytes | str, expect: str) -> None:
    EXPECT[name] = expect
    (OUT / name).write_bytes(data.encode("utf-8") if isinstance(data, str) else data)


def fc(*features) -> str:
    return json.dumps({"type": "FeatureCollection", "features": list(features)}, ensure_ascii=False)


def feat(name="甲", coords=IN) -> dict:
    return {
        "type": "Feature",
        "properties": {"name": name},
        "geometry": {"type": "Point", "coordinates": list(coords)},
    }


def zip_bytes(members: dict[str, bytes], *, symlinks: tuple[str, ...] = ()) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            if name in symlinks:
                info.external_attr = (0o120777 << 16) | 0x20
            zf.writestr(info, data)
    return buf.getvalue()


def shapefile_parts(gdf: gpd.GeoDataFrame, stem: str = "a") -> dict[str, bytes]:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        gdf.to_file(Path(tmp) / f"{stem}.shp", encoding="UTF-8")
        return {p.name: p.read_bytes() for p in Path(tmp).iterdir()}


def good_gdf(crs=4326) -> gpd.GeoDataFrame:
    g = gpd.GeoDataFrame({"name": ["甲", "乙"]}, geometry=[Point(IN), Point(IN[0] + 0.01, IN[1])], crs=4326)
    return g.to_crs(crs)


def json_cases() -> None:
    put("io_truncated.geojson", fc(feat(), feat("乙"))[:70], "not valid json")
    put("io_malformed.geojson", "{type: FeatureCollection, features: [}", "not valid json")
    put(
        "io_deeply_nested.geojson",
        '{"type":"FeatureCollection","features":' + "[" * 100_000 + "]" * 100_000 + "}",
        "json",
    )
    put("io_not_geojson.geojson", json.dumps({"type": "Topology", "objects": {}}), "not a geojson")
    put("io_empty.geojson", b"", "empty")
    put("io_no_features.geojson", fc(), "no features")
    put("io_non_utf8.geojson", fc(feat("河东区学校")).encode("gbk"), "not valid json")
    put("io_json_array.json", "[1, 2, 3]", "not a geojson")
    put(
        "io_bad_coordinates.geojson",
        fc({"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": "abc"}}),
        "no geometry",
    )
    put("io_swapped.geojson", fc(feat(coords=(IN[1], IN[0])), feat("乙", (IN[1], IN[0] + 0.01))), "swapped")
    metres = good_gdf(4548)
    put(
        "io_metres_as_degrees.geojson",
        fc(*[feat(coords=(p.x, p.y)) for p in metres.geometry]),
        "cannot be degrees",
    )
    deg_as_m = json.loads(fc(feat(), feat("乙", (IN[0] + 0.01, IN[1]))))
    deg_as_m["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4548"}}
    put("io_degrees_as_metres.geojson", json.dumps(deg_as_m), "hedong")
    put("io_far_away.geojson", fc(feat(coords=(2.35, 48.85))), "hedong")


def zip_cases() -> None:
    parts = shapefile_parts(good_gdf())
    put(
        "io_zip_no_shp.zip",
        zip_bytes({k: v for k, v in parts.items() if not k.endswith(".shp")}),
        "no shapefile",
    )
    put(
        "io_zip_no_dbf.zip",
        zip_bytes({k: v for k, v in parts.items() if not k.endswith(".dbf")}),
        "lacks .dbf",
    )
    put("io_zip_traversal.zip", zip_bytes({"../../evil.shp": parts["a.shp"], **parts}), "path traversal")
    put("io_zip_absolute.zip", zip_bytes({"/tmp/evil.shp": parts["a.shp"]}), "path traversal")
    put(
        "io_zip_symlink.zip",
        zip_bytes({**parts, "link.shp": b"/etc/passwd"}, symlinks=("link.shp",)),
        "symbolic link",
    )
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("a.shp", b"\0" * (60 * 1024 * 1024))
    put("io_zip_bomb.zip", bomb.getvalue(), "decompression bomb")
    put("io_zip_over_size_limit.zip", _forge_size(zip_bytes({"a.dbf": b"x" * 100}), 2**31), "over the limit")
    put("io_zip_not_a_zip.zip", b"this is not a zip file at all\n" * 10, "not a valid zip")
    two = {**parts, **{k.replace("a.", "b."): v for k, v in parts.items()}}
    put("io_zip_two_shapefiles.zip", zip_bytes(two), "choose one")
    metric = shapefile_parts(good_gdf(4548))
    put(
        "io_zip_no_prj.zip",
        zip_bytes({k: v for k, v in metric.items() if not k.endswith(".prj")}),
        "no coordinate reference system",
    )
    put("io_kmz_without_kml.kmz", zip_bytes({"readme.txt": b"hello"}), "no .kml")


def _forge_size(data: bytes, size: int) -> bytes:
    """A zip whose central directory claims ``size`` uncompressed bytes for its first member."""
    raw = bytearray(data)
    cd = raw.find(b"PK\x01\x02")
    struct.pack_into("<I", raw, cd + 24, size)
    return bytes(raw)


def kml_cases() -> None:
    put(
        "io_kml_external_entity.kml",
        '<?xml version="1.0"?><!DOCTYPE kml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        '<kml xmlns="http://www.opengis.net/kml/2.2"><Placemark><name>&xxe;</name>'
        "<Point><coordinates>117.2277,39.11</coordinates></Point></Placemark></kml>",
        "external-entity",
    )
    put(
        "io_kml_billion_laughs.kml",
        '<?xml version="1.0"?><!DOCTYPE kml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><kml><Placemark><name>&c;</name></Placemark></kml>',
        "external-entity",
    )
    put("io_kml_malformed.kml", "<kml><Placemark><name>甲</name><Point><coordinates>117.2", "not valid kml")
    put(
        "io_kml_bad_coordinates.kml",
        "<kml><Placemark><Point><coordinates>abc,def</coordinates></Point></Placemark></kml>",
        "malformed coordinates",
    )
    put("io_kml_not_kml.kml", "<html><body>hello</body></html>", "not a kml")


def table_cases() -> None:
    import pandas as pd

    buf = io.BytesIO()
    pd.DataFrame({"名称": ["甲"], "地址": ["河东区"]}).to_excel(buf, index=False)
    put("io_xlsx_no_coordinates.xlsx", buf.getvalue(), "needs coordinate columns")
    put("io_xlsx_corrupt.xlsx", b"PK\x03\x04 definitely not a workbook", "cannot read the table")
    put("io_csv_no_coordinates.csv", "名称,地址\n甲,河东区\n", "needs coordinate columns")
    put(
        "io_csv_text_coordinates.csv",
        "名称,经度,纬度\n甲,东经117度,北纬39度\n",
        "without numeric coordinates",
    )
    put("io_csv_header_only.csv", "名称,经度,纬度\n", "no features")
    put("io_csv_swapped.csv", "名称,经度,纬度\n甲,39.11,117.2277\n", "swapped")
    put("io_csv_metres.csv", "name,x,y\n甲,521580.1,4329720.4\n", "cannot be degrees")
    put("io_csv_not_utf8_or_gbk.csv", b"name,lon,lat\n\xff\xfe\xfa\xfb,117.2,39.1\n", "neither utf-8 nor gbk")
    put("io_unsupported.txt", "name,lon,lat\n", "unsupported file type")


def gpkg_cases() -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        p = Path(tmp) / "two.gpkg"
        good_gdf().to_file(p, layer="schools", driver="GPKG")
        good_gdf().to_file(p, layer="parks", driver="GPKG")
        put("io_gpkg_two_layers.gpkg", p.read_bytes(), "choose one")
        put("io_gpkg_truncated.gpkg", p.read_bytes()[:3000], "cannot read")


def raster_cases() -> None:
    import tempfile

    import rasterio
    from rasterio.transform import from_origin

    with tempfile.TemporaryDirectory() as tmp:
        p = Path(tmp) / "a.tif"
        with rasterio.open(
            p,
            "w",
            driver="GTiff",
            width=4,
            height=4,
            count=1,
            dtype="float32",
            transform=from_origin(117.2, 39.12, 0.001, 0.001),
        ) as dst:
            dst.write(np.ones((1, 4, 4), dtype="float32"))
        put("io_tif_no_crs.tif", p.read_bytes(), "no coordinate reference system")
        q = Path(tmp) / "huge.tif"
        with rasterio.open(
            q,
            "w",
            driver="GTiff",
            width=100_000,
            height=100_000,
            count=1,
            dtype="float32",
            crs="EPSG:4326",
            transform=from_origin(117.2, 39.12, 1e-6, 1e-6),
            tiled=True,
            blockxsize=8192,
            blockysize=8192,
            compress="deflate",
            sparse_ok=True,
        ) as dst:
            pass
        put("io_tif_gigapixel.tif", q.read_bytes(), "over the limit")
        put("io_tif_truncated.tif", p.read_bytes()[:8], "cannot read")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("io_*"):
        old.unlink()
    json_cases()
    zip_cases()
    kml_cases()
    table_cases()
    gpkg_cases()
    raster_cases()
    (OUT / "io_EXPECT.json").write_text(
        json.dumps(EXPECT, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8"
    )
    print(f"{len(EXPECT)} files in {OUT}")


if __name__ == "__main__":
    main()
