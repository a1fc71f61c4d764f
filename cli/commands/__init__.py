"""Subcommands of ``python -m renewal``.

Each module here whose name does not start with ``_`` defines
``register(subparsers)``, which adds its subparser and sets ``func`` (a
callable taking the parsed namespace and returning an exit code). The parsed
``args.workspace`` is the workspace folder (a Path, or None for the default);
commands pass it on, nothing goes through environment variables.
"""
