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
    p.add_argument("--standards", default=None, help="standards YAML with osm_tags (default: bundled)")
    p.set_defaults(func=run)


def run(args) -> int:
    import time
    import warnings

    from renewal.analysis.facilities import workspace_facilities_path
    from renewal.analysis.network import NetworkWarning
    from renewal.analysis.network_files import workspace_network_path
    from renewal.analysis.osm_import import import_osm
    from renewal.standards import load_standards
    from renewal.storage.access import local_actor
    from renewal.storage.shared_files import save_osm_import

    std = load_standards(args.standards)
    t0 = time.perf_counter()

    def progress(p):
        print(
            f"  ... {p['objects']:,} tagged objects read, {p['walk_ways']:,} walking ways and "
            f"{p['facilities']:,} facilities kept ({time.perf_counter() - t0:.0f} s)",
            flush=True,
        )

    print(f"reading {args.file} (district + {args.buffer:.0f} m)", flush=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", NetworkWarning)
        res = import_osm(args.file, buffer_m=args.buffer, standards=std, progress=progress)
    for w in caught:
        print(f"warning: {w.message}")
    # both files written atomically and recorded in one transaction; the network first
    save_osm_import(
        res.network, res.facilities, actor=local_actor(), workspace=args.workspace, source_file=str(args.file)
    )
    net_path, fac_path = workspace_network_path(args.workspace), workspace_facilities_path(args.workspace)
    r = res.network.report
    print(
        f"network: {r.get('nodes')} nodes, {r.get('edges')} edges, {r.get('length_m', 0) / 1000:.1f} km -> {net_path}"
    )
    print(f"facilities: {len(res.facilities)} -> {fac_path}")
    for _, row in res.counts.iterrows():
        print(f"  {row['category']:<18} {row['name_zh']:<12} {row['count']}")
    if len(res.unclassified):
        print(
            f"could not classify {int(res.unclassified['count'].sum())} objects (edit osm_tags in the standards file):"
        )
        for _, row in res.unclassified.iterrows():
            print(f"  {row['tag']:<32} {row['count']}")
    if res.report.get("relations_skipped"):
        print(f"skipped {res.report['relations_skipped']} facility relations (multipolygons are not read)")
    print(f"done in {time.perf_counter() - t0:.1f} s")
    return 0
