"""Project-wide settings: paths and environment variables, typed and documented."""

from __future__ import annotations

import os
from pathlib import Path

#: The project folder (where ``app.py`` is).
PROJECT_ROOT = Path(__file__).resolve().parent.parent

#: Environment variable that overrides the workspace folder.
WORKSPACE_ENV = "RENEWAL_WORKSPACE"


def workspace_dir() -> Path:
    """The workspace folder for planners' edits and imported data.

    ``$RENEWAL_WORKSPACE`` if set, else ``workspace/`` beside the app (the CLI passes its
    ``--workspace`` on as an argument instead). Only the path: reading never creates anything, and
    each writer creates the folder it writes into.
    """
    raw = os.environ.get(WORKSPACE_ENV)
    return Path(raw).expanduser() if raw else PROJECT_ROOT / "workspace"


#: Environment variable naming the team database (``postgresql://user@host:5432/db``).
DATABASE_ENV = "RENEWAL_DATABASE_URL"


def database_url() -> str | None:
    """``$RENEWAL_DATABASE_URL`` if set and not empty: the sites then live in that PostGIS database."""
    return os.environ.get(DATABASE_ENV) or None
