"""``python -m renewal``: the command line."""

from renewal.cli import main

raise SystemExit(main())
