"""``python -m renewal import-network FILE``: build a walking network from an OSM
file or a line layer and store it in the workspace for later commands."""

from __future__ import annotations


def register(subparsers):
    p = subparsers.add_parser(
        "import-network",
        help="store a walking network (.osm.pbf/.osm or a line layer) in the workspace",
    )
    p.add_argument("file", help=".osm.pbf / .osm (walking ways are kept) or GeoJSON/GPKG/SHP lines")
    p.add_argument(
        "--area",
        default=None,
        help="study area for an OSM extract: any polygon file; default: the workspace's, else the district",
    )
    p.add_argument(
        "--buffer",
        type=float,
        default=1000.0,
        help="for an OSM extract: keep ways up to this many metres outside the study area (default 1000)",
    )
    p.set_defaults(func=run)


def run(args) -> int:
    import warnings

    from renewal.analysis.network import NetworkWarning
    from renewal.analysis.network_files import read_network, workspace_network_path
    from renewal.analysis.study_area import read_area
    from renewal.storage.access import local_actor
    from renewal.storage.shared_files import current_study_area, save_network_for

    # `import FILE --layer network` hands over here without the study-area options: the defaults
    area_file, buffer_m = getattr(args, "area", None), getattr(args, "buffer", 1000.0)
    if area_file:
        area = read_area(area_file)
    else:  # the workspace's study area (chosen on 生活圈覆盖), else the district
        chosen = current_study_area(
            getattr(args, "workspace", None), database=getattr(args, "database", None)
        )
        area = None if chosen.is_default else chosen.geometry
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", NetworkWarning)
        net = read_network(args.file, area=area, buffer_m=buffer_m)
    for w in caught:
        print(f"warning: {w.message}")
    path = workspace_network_path(args.workspace)
    save_network_for(
        net, actor=local_actor(), workspace=args.workspace, source_file=str(args.file), database=args.database
    )
    r = net.report
    print(
        f"stored {r.get('nodes')} nodes, {r.get('edges')} edges ({r.get('length_m', 0) / 1000:.1f} km) in {path}"
    )
    return 0
