"""``python -m renewal users add NAME --role 编辑|查看 | list | remove NAME``: who may sign in to the app.

The users file is ``<workspace>/users.json`` (or ``$RENEWAL_USERS_FILE``); it holds scrypt
hashes, never passwords. With a team database (``--database`` / ``$RENEWAL_DATABASE_URL``) the users
live there (:mod:`renewal.storage.team_users`), every app server on it signs them in, and this
machine's users file is refreshed as its copy. The password is asked twice without echo, or read from one line
of standard input with ``--password-stdin`` (for scripts).
"""

from __future__ import annotations

import getpass
import sys

from renewal.auth import ROLES, load_users, remove_user, set_user, users_path, with_user
from renewal.errors import InputError


def _password(args) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    if not sys.stdin.isatty():
        raise InputError(
            "No terminal to ask for the password: use --password-stdin.", "请使用 --password-stdin。"
        )
    first = getpass.getpass("Password: ")
    if getpass.getpass("Repeat password: ") != first:
        raise InputError("The passwords differ; nothing was changed.", "两次输入的密码不一致，未作修改。")
    return first


def _team(args) -> str | None:
    from renewal.storage import resolve_database

    return resolve_database(args.database)


def cmd_add(args) -> int:
    from renewal.settings import workspace_dir
    from renewal.signin import mark_signin_configured

    path = users_path(args.workspace)
    url = _team(args)
    if url:
        from renewal.storage.access import local_actor
        from renewal.storage.postgis import redact
        from renewal.storage.team_users import cache_users, change_users

        password = _password(args)
        change_users(
            url,
            lambda users: with_user(users, args.name, args.role, password),
            actor=local_actor(),
            action="add",
            name=args.name.strip(),
        )
        cache_users(url, path)
        mark_signin_configured(args.workspace if args.workspace is not None else workspace_dir(), path)
        print(f"user {args.name.strip()} ({args.role}) saved in the team database {redact(url)}")
        return 0
    set_user(path, args.name, args.role, _password(args))
    # from now on a missing users file refuses the app instead of opening it
    mark_signin_configured(args.workspace if args.workspace is not None else workspace_dir(), path)
    print(f"user {args.name.strip()} ({args.role}) saved in {path}")
    return 0


def cmd_list(args) -> int:
    url = _team(args)
    if url:
        from renewal.storage.team_users import team_users

        users = team_users(url) or {}
    else:
        users = load_users(users_path(args.workspace)) or {}
    for u in users.values():
        print(f"{u['name']}\t{u['role']}")
    print(f"{len(users)} user(s)" + ("" if users else " (sign-in is off: no users file)"))
    return 0


def cmd_remove(args) -> int:
    url = _team(args)
    if url:
        from renewal.storage.access import local_actor
        from renewal.storage.team_users import cache_users, change_users, team_users

        if args.name.strip() not in (team_users(url) or {}):
            raise InputError(f"No such user: {args.name}", f"没有该用户：{args.name}")
        change_users(
            url,
            lambda users: {k: v for k, v in users.items() if k != args.name.strip()},
            actor=local_actor(),
            action="remove",
            name=args.name.strip(),
        )
        cache_users(url, users_path(args.workspace))
        print(f"user {args.name} removed from the team database")
        return 0
    if not remove_user(users_path(args.workspace), args.name):
        raise InputError(f"No such user: {args.name}", f"没有该用户：{args.name}")
    print(f"user {args.name} removed")
    return 0


def register(sub) -> None:
    p = sub.add_parser("users", help="manage who may sign in to the app (roles 查看 / 编辑)")
    us = p.add_subparsers(dest="users_command", metavar="ACTION")
    us.required = True
    q = us.add_parser("add", help="add a user, or set their role and password")
    q.add_argument("name", help="the person's name, shown in the history")
    q.add_argument("--role", required=True, choices=ROLES, help="查看 (view only) or 编辑 (edit)")
    q.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    q.set_defaults(func=cmd_add)
    q = us.add_parser("list", help="list the users and their roles")
    q.set_defaults(func=cmd_list)
    q = us.add_parser("remove", help="remove a user")
    q.add_argument("name")
    q.set_defaults(func=cmd_remove)
