"""``python -m renewal import FILE --layer sites|facilities|network|zones|population|reference [--crs CRS] [--yes]``.

Prints a summary first (count, bounds, CRS, fields, problems by row). Writes only when
the file has no problems *and* the user agreed: ``--yes``, or ``y`` at the prompt
(asked only when stdin is a terminal); then in one transaction (sites: the site store;
other layers: one atomic write of the workspace's ``layers.gpkg``, listed by
``python -m renewal layers list``). Data that lands far from Hedong under the declared
or guessed CRS is refused with the likely CRS.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from renewal.crs import COORDINATE_SYSTEMS
from renewal.errors import InputError

log = logging.getLogger("renewal")

LAYERS = ("sites", "facilities", "network", "zones", "population", "reference")


def _confirm(args, question: str) -> bool:
    if args.yes:
        return True
    if not sys.stdin.isatty():
        print("Dry run: nothing written. Re-run with --yes to import.")
        return False
    answer = input(f"{question} [y/N] ").strip().lower()
    if answer not in ("y", "yes"):
        print("Nothing written.")
        return False
    return True


def _import_sites(args) -> int:
    from renewal.io import plausibility
    from renewal.sites.importing import check_ids, read_sites_file
    from renewal.storage import current_sites, open_store

    result = read_sites_file(args.file, coords=args.crs or args.coords)
    check_ids(
        result, current_sites(args.workspace, database=args.database)["site_id"]
    )  # the bundled catalogue when there is no store yet
    if result.records:
        verdict = plausibility.check([g for _, g in result.records if g is not None], "wgs84")
        if not verdict.ok:
            result.problem(verdict.message_en, verdict.message_zh)
    print(result.summary_en())
    if result.problems or not result.records:
        raise result.error()
    if not _confirm(args, f"Import {len(result.records)} site(s) into the workspace?"):
        return 0
    store = open_store(args.workspace, session="cli-import", database=args.database)
    ids = store.add_sites(result.records, action="import")
    print(f"Imported {len(ids)} site(s) into {store.location}: {', '.join(ids)}")
    return 0


def _layer_name(args) -> str:
    if args.name:
        return args.name
    if args.layer in ("zones", "population"):
        return args.layer
    stem = Path(args.file).stem.lower().replace("-", "_").replace(" ", "_")
    if stem[:1].isascii() and stem[:1].isalpha() and all(ch.isascii() for ch in stem):
        return f"ref_{stem}"[:40]
    raise InputError(
        "Give the reference layer a name with --name (lower-case letters, digits, _)",
        "请为参考图层指定名称（--name，小写字母、数字、下划线）",
    )


def _import_facilities(args) -> int:
    """A facility inventory (schools, elderly care, clinics …) into the workspace, for 生活圈覆盖 and coverage."""
    from renewal.analysis.facilities import (
        import_facilities,
        load_workspace_facilities,
        workspace_facilities_path,
    )
    from renewal.io import plausibility
    from renewal.storage.access import local_actor
    from renewal.storage.shared_files import save_facilities

    crs = args.crs or (args.coords if args.coords != "wgs84" else "wgs84")
    result = import_facilities(args.file, coords=crs)
    fac = result.facilities
    print(f"File:       {args.file}")
    print(f"Facilities: {len(fac)} with a known category")
    for name_zh, n in fac["name_zh"].value_counts().items():
        print(f"  {name_zh}: {n}")
    for en, _zh in result.notes:
        print(f"Note:       {en}")
    known = {c: int(fac[c].notna().sum()) for c in ("places", "beds") if c in fac.columns}
    if any(known.values()):
        print(
            f"Capacity:   {known.get('places', 0)} with places (学位), {known.get('beds', 0)} with beds (床位); "
            f"the others count for coverage, not for capacity"
        )
    if result.n_unmatched:
        print(f"Not matched to a category of the standards ({result.n_unmatched} rows, not imported):")
        for _, row in result.unmatched.iterrows():
            print(f"  {row['value']!s}: {int(row['count'])}")
    if fac.empty:
        raise InputError(
            "No facility of a known category in the file; nothing imported.",
            "文件中没有属于已定义类别的设施，未导入任何数据。",
        )
    verdict = plausibility.check(list(fac.geometry), "wgs84")
    if not verdict.ok:
        raise InputError(verdict.message_en, verdict.message_zh)
    if load_workspace_facilities(args.workspace) is not None and not args.replace:
        raise InputError(
            f"The workspace has facilities already ({workspace_facilities_path(args.workspace)}); use --replace",
            "工作区已有设施清单，如需替换请使用 --replace",
        )
    if not _confirm(args, f"Import {len(fac)} facilities into the workspace?"):
        return 0
    entry = save_facilities(
        fac, actor=local_actor(), workspace=args.workspace, source_file=args.file, database=args.database
    )
    print(
        f"Imported {len(fac)} facilities into {workspace_facilities_path(args.workspace)} (version {entry.version})"
    )
    return 0


def cmd_import(args) -> int:
    if args.layer == "sites":
        return _import_sites(args)
    if args.layer == "facilities":
        return _import_facilities(args)
    if args.layer == "network":
        from cli.commands import import_network

        return import_network.run(args)
    from renewal.layer_import import check_layer
    from renewal.storage.access import local_actor
    from renewal.storage.layer_stores import open_layer_store
    from renewal.storage.layers import check_name, check_title

    name = check_name(_layer_name(args))
    check_title(args.title or name)
    store = open_layer_store(args.workspace, database=args.database)
    old = store.get(name)
    if old is not None and not args.replace:
        raise InputError(
            f"A layer {name!r} exists already (imported {old.imported_at} by {old.who}); use --replace",
            f"图层“{name}”已存在，如需替换请使用 --replace",
        )
    crs = args.crs or (args.coords if args.coords != "wgs84" else None)
    check = check_layer(args.file, args.layer, crs=crs, layer=args.layer_name)
    print(check.summary_en())
    if not check.ok:
        raise check.error()
    if not _confirm(args, f"Import {check.count} feature(s) as layer {name!r}?"):
        return 0
    entry = store.put(
        name,
        args.layer,
        check.gdf,
        source_file=args.file,
        crs=check.read.crs if check.read else "",
        actor=local_actor(),
        title=args.title or name,
        replace=args.replace,
    )
    print(f"Imported {entry.count} feature(s) as {entry.kind} layer {entry.name!r} into {store.location}")
    return 0


def register(sub) -> None:
    p = sub.add_parser("import", help="import features from a file into the workspace (summary first)")
    p.add_argument(
        "file",
        help="GeoJSON, GeoPackage, zipped Shapefile, KML/KMZ, CSV/XLSX with coordinates, GeoTIFF (population)",
    )
    p.add_argument("--layer", required=True, choices=LAYERS, help="which workspace layer to import into")
    p.add_argument(
        "--crs",
        default=None,
        help="CRS of the numbers in the file: wgs84, gcj02, bd09, cgcs2000, EPSG:4548...",
    )
    p.add_argument("--name", default=None, help="layer name (reference layers; default ref_<file name>)")
    p.add_argument("--title", default=None, help="title shown in the layer list, e.g. 控规用地")
    p.add_argument(
        "--layer-name", default=None, help="GeoPackage layer, Shapefile in a zip, or Excel sheet to read"
    )
    p.add_argument(
        "--replace", action="store_true", help="replace an existing layer of that name (kept in history)"
    )
    p.add_argument(
        "--yes", action="store_true", help="write without asking (only if the file has no problems)"
    )
    p.add_argument(
        "--coords",
        choices=sorted(COORDINATE_SYSTEMS),
        default="wgs84",
        help="older spelling of --crs for web coordinates (gcj02 = Amap/Tencent, bd09 = Baidu)",
    )
    p.set_defaults(func=cmd_import)
