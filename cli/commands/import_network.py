"""``python -m renewal import-network FILE``: build a walking network from an OSM
file or a line layer and store it in the workspace for later commands."""

from __future__ import annotations


def register(subparsers):
    p = subparsers.add_parser(
        "import-network",
        help="store a walking network (.osm.pbf/.osm or a line layer) in the workspace",
    )
    p.add_argument("file", help=".osm.pbf / .osm (walking ways are kept) or GeoJSON/GPKG/SHP lines")
    p.set_defaults(func=run)


def run(args) -> int:
    import warnings

    from renewal.analysis.network import NetworkWarning
    from renewal.analysis.network_files import read_network, save_network, workspace_network_path

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", NetworkWarning)
        net = read_network(args.file)
    for w in caught:
        print(f"warning: {w.message}")
    path = workspace_network_path(args.workspace)
    path.parent.mkdir(parents=True, exist_ok=True)
    save_network(net, path)
    r = net.report
    print(
        f"stored {r.get('nodes')} nodes, {r.get('edges')} edges ({r.get('length_m', 0) / 1000:.1f} km) in {path}"
    )
    return 0
