"""``python -m renewal fetch-network``: download the OSM walking network of the
district (OSMnx, Overpass API) into the workspace. Without internet it fails
fast and names the import route."""

from __future__ import annotations

import socket

OVERPASS_HOST = "overpass-api.de"


def register(subparsers):
    p = subparsers.add_parser(
        "fetch-network", help="download the district's OSM walking network (needs internet)"
    )
    p.add_argument("--timeout", type=float, default=5.0, help="seconds to wait for the Overpass server")
    p.set_defaults(func=run)


def internet_available(host: str = OVERPASS_HOST, timeout: float = 5.0) -> bool:
    try:
        with socket.create_connection((host, 443), timeout=timeout):
            return True
    except OSError:
        return False


def run(args) -> int:
    from cli.commands._coverage_common import IMPORT_ROUTE_EN, IMPORT_ROUTE_ZH
    from renewal.analysis.network_files import workspace_network_path
    from renewal.errors import InputError

    if not internet_available(timeout=args.timeout):
        raise InputError(
            f"No internet connection ({OVERPASS_HOST} not reachable): cannot download the network. "
            + IMPORT_ROUTE_EN,
            f"无法连接互联网（{OVERPASS_HOST} 不可达），不能下载路网。" + IMPORT_ROUTE_ZH,
        )
    try:
        import osmnx as ox
    except ImportError:
        raise InputError(
            "fetch-network needs osmnx (pip install -r requirements-bench.txt). " + IMPORT_ROUTE_EN,
            "下载路网需要 osmnx。" + IMPORT_ROUTE_ZH,
        ) from None
    import shapely

    import geodata
    from renewal.analysis.network import WalkNetwork
    from renewal.storage.access import local_actor
    from renewal.storage.shared_files import save_network_for

    district = geodata.load("district")
    poly = shapely.union_all(district.geometry.values)
    try:
        g = ox.graph_from_polygon(poly, network_type="walk", retain_all=False)
    except Exception as exc:
        raise InputError(
            f"Download failed: {exc}. " + IMPORT_ROUTE_EN, f"下载失败：{exc}。" + IMPORT_ROUTE_ZH
        ) from exc
    edges = ox.graph_to_gdfs(g, nodes=False)[["geometry"]]
    net = WalkNetwork.from_noded_lines(edges)  # OSMnx edges meet at OSM junctions only
    path = workspace_network_path(args.workspace)
    save_network_for(
        net,
        actor=local_actor(),
        workspace=args.workspace,
        source_file="OpenStreetMap (osmnx)",
        database=args.database,
    )
    print(f"stored {net.n_nodes} nodes, {net.n_edges} edges from OpenStreetMap (ODbL) in {path}")
    return 0
