"""``python -m renewal workspace push --to URL`` / ``pull --from URL``: move a workspace.

``push`` copies the GeoPackage workspace (``--workspace``) into a PostGIS database: sites,
history, the id counter and the workspace's other files. ``pull`` copies a database back
into the workspace folder. A target that already holds changes is refused unless
``--replace``. Nothing is changed on the source.
"""

from __future__ import annotations

from renewal.errors import InputError
from renewal.storage import resolve_database
from renewal.storage.transfer import pull, push


def _url(text: str) -> str:
    url = resolve_database(text)
    if not url:
        raise InputError("A postgresql:// URL is needed.", "需要 postgresql:// 开头的数据库地址。")
    return url


def _report(verb: str, done) -> int:
    print(f"{verb} {done.sites} site(s), {done.changes} change(s), {done.files} file(s) to {done.target}")
    if done.skipped:
        print(f"not written (credentials or hidden files stay local): {', '.join(map(repr, done.skipped))}")
    if done.backup:
        print(f"the workspace's previous store and files were kept in {done.backup}")
    return 0


def cmd_push(args) -> int:
    return _report("pushed", push(args.workspace, _url(args.to), replace=args.replace))


def cmd_pull(args) -> int:
    return _report("pulled", pull(_url(args.source), args.workspace, replace=args.replace))


def register(sub) -> None:
    p = sub.add_parser("workspace", help="copy the workspace to or from a team database (PostGIS)")
    ws = p.add_subparsers(dest="workspace_command", metavar="ACTION")
    ws.required = True
    q = ws.add_parser("push", help="copy the GeoPackage workspace into a PostGIS database")
    q.add_argument("--to", required=True, metavar="URL", help="postgresql://user@host:5432/db")
    q.add_argument("--replace", action="store_true", help="overwrite a database that already holds changes")
    q.set_defaults(func=cmd_push)
    q = ws.add_parser("pull", help="copy a PostGIS database into the GeoPackage workspace")
    q.add_argument(
        "--from", dest="source", required=True, metavar="URL", help="postgresql://user@host:5432/db"
    )
    q.add_argument(
        "--replace",
        action="store_true",
        help="overwrite a workspace that holds changes or files of its own (a backup is kept in .backups/)",
    )
    q.set_defaults(func=cmd_pull)
