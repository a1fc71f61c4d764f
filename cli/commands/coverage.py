"""``python -m renewal coverage``: life-circle coverage per facility category
(catchments, grid, gaps, statistics) to a GeoPackage, optionally an Excel report."""

from __future__ import annotations

import warnings

#: Largest service distance accepted (metres): far beyond any life-circle standard (15 minutes ~ 1,000 m).
MAX_DISTANCE_M = 5000.0


def register(subparsers):
    from cli.commands._coverage_common import add_common

    p = subparsers.add_parser(
        "coverage",
        help="life-circle coverage by service radius or walking network",
        description="Writes layers catchments, grid, gaps, stats (and zone_stats) to --out (.gpkg).",
    )
    add_common(p)
    p.add_argument("--population", default=None, help="population GeoTIFF, or polygons with --pop-field")
    p.add_argument("--pop-field", default=None, help="population field of population polygons")
    p.add_argument("--zones", default=None, help="zone polygons (subdistricts, communities, renewal areas)")
    p.add_argument("--zone-field", default=None, help="zone name field (default: name/名称)")
    p.add_argument(
        "--area",
        "--boundary",
        dest="boundary",
        default=None,
        help="study area: any polygon file (default: the bundled district); an .osm.pbf --roads is clipped to it",
    )
    p.add_argument(
        "--standards", default=None, help="standards YAML (default: geodata/standards/life_circle.yaml)"
    )
    p.add_argument(
        "--distance",
        action="append",
        default=[],
        metavar="CATEGORY=METRES",
        help="override a category's distance, e.g. --distance 小学=400 (repeatable; a category "
        "not in the standards file is analysed with this distance)",
    )
    p.add_argument("--cell", type=float, default=50.0, help="grid cell size in metres (default 50)")
    p.add_argument(
        "--width", type=float, default=25.0, help="catchment buffer width in metres (network mode)"
    )
    p.add_argument("--out", required=True, help="output .gpkg")
    p.add_argument(
        "--crs",
        default="wgs84",
        help="CRS of --out's layers: wgs84 (default), cgcs2000, EPSG:4548, gcj02 ...",
    )
    p.add_argument("--report", default=None, help="optional Excel report (.xlsx)")
    p.set_defaults(func=run)


def _distances(items, std) -> dict[str, float]:
    """``--distance CATEGORY=METRES`` options as metres per standards key (English/Chinese refusal)."""
    from renewal.errors import InputError

    cutoffs = {}
    for item in items:
        name, _, value = item.partition("=")
        try:
            metres = float(value)
        except ValueError:
            metres = -1.0
        if not name.strip() or not 0 < metres <= MAX_DISTANCE_M:
            raise InputError(
                f"--distance needs CATEGORY=METRES with 0 < METRES <= {MAX_DISTANCE_M:.0f}, got {item!r}",
                f"--distance 格式应为 类别=米数（大于0且不超过{MAX_DISTANCE_M:.0f}米），当前为 {item!r}",
            )
        cutoffs[std.resolve(name) or name.strip()] = metres
    return cutoffs


def run(args) -> int:
    from pathlib import Path

    from cli.commands._coverage_common import load_network, workspace_study_area
    from renewal.analysis.coverage import CoverageOptions, network_coverage, radius_coverage
    from renewal.analysis.coverage_report import about_lines, about_sheet, report_sheets
    from renewal.analysis.facilities import load_workspace_facilities
    from renewal.errors import InputError
    from renewal.io.read import read_features
    from renewal.io.write import check_out_folder, write_gpkg, write_xlsx
    from renewal.standards import load_standards

    if not str(args.out).lower().endswith(".gpkg"):
        raise InputError("--out must end in .gpkg", "输出文件须为 .gpkg")
    if args.report and not str(args.report).lower().endswith(".xlsx"):
        raise InputError("--report must end in .xlsx", "报告文件须为 .xlsx")
    check_out_folder(args.out)  # before the analysis: a missing folder is said at once
    if args.report:
        check_out_folder(args.report)
    std = load_standards(args.standards)
    cutoffs = _distances(args.distance, std)
    if args.facilities == "workspace":
        from renewal.storage.layer_stores import sync_shared_files

        # the team database's facilities and network fetched; without one, an OSM import killed
        # half-way settled (old or new pair)
        sync_shared_files(args.workspace, database=args.database)
        fac = load_workspace_facilities(args.workspace)
        if fac is None or fac.empty:
            raise InputError(
                "No facilities in the workspace: run `python -m renewal import-osm FILE.osm.pbf` first.",
                "工作区中没有设施：请先运行 import-osm 导入。",
            )
    else:
        fac = read_features(args.facilities, what="facilities", coords=args.coords)
    if args.category_field == "category" and "category" not in fac.columns:
        from renewal.analysis.facilities import CATEGORY_COLUMNS

        args.category_field = next((c for c in CATEGORY_COLUMNS if c in fac.columns), "category")
    if args.boundary:
        boundary, area_name = read_features(args.boundary, what="boundary"), Path(args.boundary).name
    else:  # the workspace's study area (chosen on 生活圈覆盖), by default the district
        chosen = workspace_study_area(args)
        boundary, area_name = (None if chosen.is_default else chosen.geometry), chosen.name
        print(f"study area: {chosen.name} (the workspace's; --area FILE for another)")
    zones = read_features(args.zones, what="zones") if args.zones else None
    population = None
    if args.population:
        if Path(args.population).suffix.lower() in (".tif", ".tiff", ".img", ".vrt", ".asc"):
            population = args.population
        else:
            population = read_features(args.population, what="population")
    net = load_network(args)
    options = CoverageOptions(
        category_col=args.category_field,
        id_col=args.id_field,
        cell=args.cell,
        population=population,
        pop_field=args.pop_field,
        zones=zones,
        zone_field=args.zone_field,
        cutoffs=cutoffs or None,
        max_snap=args.max_snap,
        width=args.width,
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if net is None:
            res = radius_coverage(fac, std, boundary, options=options)
        else:
            res = network_coverage(net, fac, std, boundary, options=options)
    msgs = list(
        dict.fromkeys(res.warnings + [str(w.message) for w in caught if issubclass(w.category, UserWarning)])
    )
    for m in msgs:
        print(f"warning: {m}")
    write_gpkg(
        args.out,
        {
            "catchments": res.catchments,
            "grid": res.grid,
            "gaps": res.gaps,
            "stats": res.stats,
            "zone_stats": res.zone_stats,
            "facilities": fac,  # with class_rule: why each has its category
        },
        crs=args.crs,
    )
    if args.report:
        about = about_sheet(about_lines(res, area_name=area_name))
        write_xlsx(args.report, report_sheets(res.stats, res.zone_stats, std, msgs, about=about))
    cols = ["category", "name_zh", "cutoff_m", "n_facilities", "land_share"] + (
        ["population_share"] if "population_share" in res.stats else []
    )
    print(res.stats[cols].to_string(index=False))
    print(f"wrote {args.out}" + (f" and {args.report}" if args.report else ""))
    return 0
