"""The command line, ``python -m renewal <command> ...``.

It sits above both ``renewal`` (computing) and ``layers`` (maps) and imports
them openly; each module in :mod:`cli.commands` (not starting with ``_``)
defines ``register(subparsers)``.
"""
