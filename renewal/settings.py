"""Project-wide settings: paths and environment variables, typed and documented."""

from __future__ import annotations

import json
import os
from pathlib import Path

from renewal.io.atomic import write_text_atomic

#: The project folder (where ``app.py`` is).
PROJECT_ROOT = Path(__file__).resolve().parent.parent

#: Environment variable that overrides the workspace folder.
WORKSPACE_ENV = "RENEWAL_WORKSPACE"


def workspace_dir() -> Path:
    """The workspace folder for planners' edits and imported data.

    ``$RENEWAL_WORKSPACE`` if set, else ``workspace/`` beside the app (or, installed as a package, in
    the current folder; the CLI passes its
    ``--workspace`` on as an argument instead). Only the path: reading never creates anything, and
    each writer creates the folder it writes into.
    """
    raw = os.environ.get(WORKSPACE_ENV)
    if raw:
        return Path(raw).expanduser()
    # run from the project folder: beside the app; installed as a package (no app.py beside it): in the
    # folder the command is run from, never inside site-packages
    return (PROJECT_ROOT if (PROJECT_ROOT / "app.py").is_file() else Path.cwd()) / "workspace"


#: Environment variable naming the team database (``postgresql://user@host:5432/db``).
DATABASE_ENV = "RENEWAL_DATABASE_URL"


def database_url() -> str | None:
    """``$RENEWAL_DATABASE_URL`` if set and not empty: the sites then live in that PostGIS database."""
    return os.environ.get(DATABASE_ENV) or None


#: The planner's own settings (e.g. a map-tile key), in the workspace: never in the repository.
LOCAL_SETTINGS_FILE = "local_settings.json"


def local_settings_path(workspace: Path | None = None) -> Path:
    return Path(workspace if workspace is not None else workspace_dir()) / LOCAL_SETTINGS_FILE


def local_setting(name: str, workspace: Path | None = None) -> str:
    """A setting saved on this machine (``""`` if none, or if the file is unreadable)."""
    try:
        data = json.loads(local_settings_path(workspace).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ""
    value = data.get(name, "") if isinstance(data, dict) else ""
    return value if isinstance(value, str) else ""


def save_local_setting(name: str, value: str, workspace: Path | None = None) -> Path:
    """Save one setting on this machine (atomically; the workspace folder is created if needed)."""
    path = local_settings_path(workspace)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = {}
    data = data if isinstance(data, dict) else {}
    data[name] = value.strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_text_atomic(path, json.dumps(data, ensure_ascii=False, indent=1))
