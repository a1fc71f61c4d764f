"""``python -m renewal convert --from CRS --to CRS IN OUT``: a file from one coordinate system to another.

CRS names: wgs84, cgcs2000, gcj02 (Amap/Tencent), bd09 (Baidu), utm50n, cgcs2000_gk (EPSG:4548),
cgcs2000_gk39 (EPSG:4527) or any EPSG:NNNN. A CSV/XLSX keeps every column; vector files
(GeoJSON, GeoPackage, zipped Shapefile, KML/KMZ) are written in the format of OUT's suffix.
"""

from __future__ import annotations


def cmd_convert(args) -> int:
    from renewal.io.convert import convert_file

    done = convert_file(args.input, args.output, src_crs=args.src, dst_crs=args.dst, layer=args.layer_name)
    cols = f" (columns {done.columns[0]}, {done.columns[1]})" if done.columns else ""
    print(f"Converted {done.count} feature(s) from {done.src} to {done.dst}{cols}: {done.path}")
    return 0


def register(sub) -> None:
    p = sub.add_parser(
        "convert", help="convert a file between coordinate systems (wgs84, gcj02, bd09, EPSG:...)"
    )
    p.add_argument(
        "input", help="GeoJSON, GeoPackage, zipped Shapefile, KML/KMZ, or CSV/XLSX with lon/lat columns"
    )
    p.add_argument(
        "output", help="output file; the format follows the suffix (.gpkg .zip .geojson .kml .csv .xlsx)"
    )
    p.add_argument(
        "--from", dest="src", default=None, help="CRS of the input numbers (default: the file's own)"
    )
    p.add_argument("--to", dest="dst", required=True, help="CRS of the output")
    p.add_argument("--layer-name", default=None, help="GeoPackage layer, Shapefile in a zip, or Excel sheet")
    p.set_defaults(func=cmd_convert)
