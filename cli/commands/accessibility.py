"""``python -m renewal accessibility``: walking (or straight-line) distance from
every origin to the nearest facility, per category, with that facility's id."""

from __future__ import annotations

import math
import warnings


def register(subparsers):
    from cli.commands._coverage_common import add_common

    p = subparsers.add_parser(
        "accessibility",
        help="distance from each origin to the nearest facility (per category)",
        description="Writes the origins with their own columns plus dist_m[_<category>] (metres) and "
        "facility_id[_<category>]; CSV or GeoPackage by the extension of --out.",
    )
    add_common(p)
    p.add_argument("--origins", required=True, help="origin points or polygons (homes, buildings, cells)")
    p.add_argument("--out", required=True, help="output .csv or .gpkg")
    p.add_argument(
        "--crs",
        default="wgs84",
        help="CRS of --out's coordinates: wgs84 (default), cgcs2000, EPSG:4548, gcj02 ...",
    )
    p.add_argument("--cutoff", type=float, default=None, help="ignore facilities farther than this (m)")
    p.add_argument(
        "--area",
        dest="boundary",
        default=None,
        help="study area (any polygon file) an .osm.pbf --roads is clipped to (default: the district)",
    )
    p.set_defaults(func=run)


def run(args) -> int:
    from cli.commands._coverage_common import load_network, metric_epsg, study_area
    from renewal.analysis.accessibility import accessibility
    from renewal.errors import InputError
    from renewal.io.read import read_features
    from renewal.io.write import check_out_folder, write_table

    if not str(args.out).lower().endswith((".csv", ".gpkg")):
        raise InputError("--out must end in .csv or .gpkg", "输出文件须为 .csv 或 .gpkg")
    check_out_folder(args.out)
    fac = read_features(args.facilities, what="facilities", coords=args.coords)
    org = read_features(args.origins, what="origins", coords=args.coords)
    net = load_network(args)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = accessibility(
            fac,
            org,
            net,
            category_col=args.category_field,
            id_col=args.id_field,
            max_snap=args.max_snap,
            cutoff=args.cutoff if args.cutoff else math.inf,
            epsg=metric_epsg(study_area(args)),
        )
    for w in caught:
        if issubclass(w.category, UserWarning):
            print(f"warning: {w.message}")
    write_table(args.out, out, crs=args.crs)
    print(f"wrote {len(out)} origins ({args.mode} mode) to {args.out}")
    return 0
