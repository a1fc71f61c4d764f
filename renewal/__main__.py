"""``python -m renewal``: the command line (it lives in the ``cli`` package, above ``renewal`` and ``layers``)."""

from cli.main import main

raise SystemExit(main())
