"""``python -m renewal import-osm FILE.osm.pbf [--buffer METRES]``: the walking network and the
facilities (schools, kindergartens, elderly care, clinics) of an OpenStreetMap extract, clipped to
the district plus a buffer, stored in the workspace for ``coverage --facilities workspace
--roads workspace`` and the 生活圈覆盖 page."""

from __future__ import annotations


def register(subparsers):
    p = subparsers.add_parser(
        "import-osm",
        help="import the walking network and facilities of an OpenStreetMap extract into the workspace",
        description="Streams the extract once (osmium); the tag-to-category rules are the osm_tags "
        "section of the standards file.",
    )
    p.add_argument("file", help="regional extract (.osm.pbf), e.g. China or Tianjin from Geofabrik")
    p.add_argument(
        "--buffer",
        type=float,
        default=1000.0,
        help="keep ways and facilities up to this many metres outside the district (default 1000)",
    )
    p.add_argument(
        "--area",
        default=None,
        help="study area: any polygon file (GeoJSON, GeoPackage, zipped Shapefile, KML); default: the "
        "workspace's (chosen on 生活圈覆盖), else the district",
    )
    p.add_argument("--standards", default=None, help="standards YAML with osm_tags (default: bundled)")
    p.add_argument(
        "--replace",
        action="store_true",
        help="replace the workspace's facility inventory (the old one stays in the layer history)",
    )
    p.add_argument(
        "--review",
        default=None,
        help="a reviewed import report (.xlsx, its 审核意见 column: a category or 不计入); the decisions are "
        "kept in the workspace by OSM id and applied again on every later import",
    )
    p.add_argument(
        "--report",
        default=None,
        help="write the import report (.xlsx): facilities with the rule that placed each, objects not "
        "classified or not counted, merged duplicates, the metric CRS",
    )
    p.set_defaults(func=run)


def run(args) -> int:
    import time
    import warnings

    from renewal.analysis.facilities import workspace_facilities_path
    from renewal.analysis.network import NetworkWarning
    from renewal.analysis.network_files import workspace_network_path
    from renewal.analysis.osm_import import import_osm, refuse_to_overwrite, report_tables
    from renewal.analysis.osm_review import decisions_from_report, load_decisions
    from renewal.analysis.study_area import read_area
    from renewal.standards import load_standards
    from renewal.storage.access import local_actor
    from renewal.storage.layer_stores import open_layer_store
    from renewal.storage.shared_files import current_study_area, save_osm_import, save_osm_review

    recorded = open_layer_store(args.workspace, database=args.database).get("facilities")
    refuse_to_overwrite(
        args.workspace, args.replace, recorded.source_file if recorded else None
    )  # before reading
    std = load_standards(args.standards)
    if args.area:
        area, where = read_area(args.area), args.area
    else:  # the workspace's (生活圈覆盖)
        chosen = current_study_area(args.workspace, database=args.database)
        area = None if chosen.is_default else chosen.geometry
        where = "the district" if chosen.is_default else f"the workspace's study area {chosen.name}"
    decisions = load_decisions(args.workspace)
    if args.review:  # read (and refused) before anything is written
        decisions = {**decisions, **decisions_from_report(args.review, std)}
    if args.report:
        from renewal.io.write import check_out_folder

        check_out_folder(args.report)  # a bad report path fails before anything is written
    t0 = time.perf_counter()

    def progress(p):
        print(
            f"  ... {p['objects']:,} tagged objects read, {p['walk_ways']:,} walking ways and "
            f"{p['facilities']:,} facilities kept ({time.perf_counter() - t0:.0f} s)",
            flush=True,
        )

    print(f"reading {args.file} ({where} + {args.buffer:.0f} m)", flush=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", NetworkWarning)
        res = import_osm(
            args.file,
            buffer_m=args.buffer,
            standards=std,
            boundary=area,
            decisions=decisions,
            progress=progress,
        )
    for w in caught:
        print(f"warning: {w.message}")
    # both files written atomically and recorded in one transaction; the network first
    save_osm_import(
        res.network,
        res.facilities,
        actor=local_actor(),
        workspace=args.workspace,
        source_file=str(args.file),
        database=args.database,
    )
    net_path, fac_path = workspace_network_path(args.workspace), workspace_facilities_path(args.workspace)
    if args.review:
        save_osm_review(decisions, actor=local_actor(), workspace=args.workspace, database=args.database)
    if decisions:
        print(
            f"review: {len(decisions)} decisions kept in the workspace, {res.report['reviewed']} applied to this extract"
        )
    r = res.network.report
    print(f"metric CRS: {res.report['metric_crs']}")
    print(
        f"network: {r.get('nodes')} nodes, {r.get('edges')} edges, {r.get('length_m', 0) / 1000:.1f} km -> {net_path}"
    )
    print(f"facilities: {len(res.facilities)} -> {fac_path}")
    for _, row in res.counts.iterrows():
        print(f"  {row['category']:<18} {row['name_zh']:<12} {row['count']}")
    _list(res.merged, "merged into the area they lie in (one facility per place)", ("osm_id", "name", "into"))
    _list(
        res.not_counted,
        "not counted (a rule says they are no life-circle facility)",
        ("osm_id", "name", "reason_zh"),
    )
    _list(
        res.unclassified_objects,
        "could not classify (edit osm_tags in the standards file)",
        ("osm_id", "name", "tags"),
    )
    if args.report:
        from renewal.io.write import write_xlsx

        write_xlsx(args.report, report_tables(res, std))
        print(f"report -> {args.report}")
    print(f"done in {time.perf_counter() - t0:.1f} s")
    return 0


def _plain(text: str) -> str:
    """Names from the extract on the terminal: no control characters (escape sequences)."""
    return "".join(ch if ch.isprintable() else "\ufffd" for ch in text)


def _list(df, what: str, cols) -> None:
    if df is None or not len(df):
        return
    print(f"{len(df)} objects {what}:")
    for _, row in df.iterrows():
        print("  " + "  ".join(_plain(str(row[c])) for c in cols))
