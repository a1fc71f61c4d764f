"""``python -m renewal layers list|history [NAME]|remove NAME|undo|export NAME --out FILE [--crs CRS]``:
the imported layers (zones, population, reference layers) of the workspace, or of the team database
(``--database`` / ``$RENEWAL_DATABASE_URL``)."""

from __future__ import annotations

from renewal.sites.schema import printable


def _row(*values) -> str:
    """One tab-separated line; text from the store shown without control characters (no terminal escapes)."""
    return "\t".join(printable(v) for v in values)


def cmd_list(args) -> int:
    from renewal.storage.layer_stores import open_layer_store

    layers = open_layer_store(args.workspace, database=args.database).list()
    for lyr in layers:
        print(
            _row(lyr.name, lyr.kind, lyr.title, lyr.count, lyr.crs, lyr.source_file, lyr.imported_at, lyr.who)
        )
    print(f"{len(layers)} layer(s)")
    return 0


def cmd_history(args) -> int:
    from renewal.storage.layer_stores import open_layer_store

    rows = open_layer_store(args.workspace, database=args.database).history(args.name)
    for r in rows:
        print("#" + _row(r["id"], r["at"], r["who"], r["action"], r["name"], r["source_file"], r["count"]))
    print(f"{len(rows)} change(s)")
    return 0


def cmd_remove(args) -> int:
    from renewal.storage.access import local_actor
    from renewal.storage.layer_stores import open_layer_store

    open_layer_store(args.workspace, database=args.database).remove(args.name, actor=local_actor())
    print(f"Removed layer {args.name!r} (its features stay in the history)")
    return 0


def cmd_undo(args) -> int:
    from renewal.storage.access import local_actor
    from renewal.storage.layer_stores import open_layer_store

    done = open_layer_store(args.workspace, database=args.database).undo_last(actor=local_actor())
    if done is None:
        print("Nothing to undo: you have no layer change that is not undone yet")
        return 0
    print(f"Undid your {done['action']} of layer {done['name']!r} (change #{done['id']})")
    return 0


def cmd_export(args) -> int:
    from renewal.io.export import write_layer
    from renewal.storage.layer_stores import open_layer_store

    gdf = open_layer_store(args.workspace, database=args.database).read(args.name)
    path = write_layer(gdf, args.out, crs=args.crs, name=args.name)
    print(f"Wrote {len(gdf)} feature(s) of {args.name!r} to {path} ({args.crs})")
    return 0


def register(sub) -> None:
    p = sub.add_parser("layers", help="list, remove or export the workspace's imported layers")
    ss = p.add_subparsers(dest="layers_command", metavar="ACTION")
    ss.required = True
    q = ss.add_parser("list", help="the imported layers: name, kind, title, count, CRS, source, date, who")
    q.set_defaults(func=cmd_list)
    q = ss.add_parser("history", help="imports, replacements and removals, newest first")
    q.add_argument("name", nargs="?")
    q.set_defaults(func=cmd_history)
    q = ss.add_parser("remove", help="remove a layer (kept in the history)")
    q.add_argument("name")
    q.set_defaults(func=cmd_remove)
    q = ss.add_parser("undo", help="undo your own last layer change (refused if someone changed it since)")
    q.set_defaults(func=cmd_undo)
    q = ss.add_parser("export", help="export a layer; the format follows --out's suffix")
    q.add_argument("name")
    q.add_argument("--out", required=True, help=".gpkg .zip (Shapefile) .geojson .kml .csv .xlsx")
    q.add_argument(
        "--crs", default="wgs84", help="wgs84, cgcs2000, EPSG:4548 (CGCS2000 GK), gcj02 ... (default wgs84)"
    )
    q.set_defaults(func=cmd_export)
