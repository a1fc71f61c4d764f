"""Who writes: the person behind every store change, and the rule that a 查看 (viewer) never writes.

Every write function of the stores takes an :class:`Actor` (the site stores take its name as
their ``session`` and its role as ``role``). The rule is checked here, below every page and
command, so no page, command or future code path can write as a viewer.

With a users file the actor is the signed-in person; without one it is the operating-system
user of the machine, labelled as such (``本机用户 root``) so the history never passes a login
name off as a signed-in person. There is no free-text "who" anywhere.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from pathlib import Path

from renewal.auth import EDITOR, VIEWER
from renewal.errors import InputError
from renewal.settings import save_local_setting

LOCAL_LABEL = "本机用户"


class ViewerRefused(InputError):
    """A write asked for by someone whose role is 查看; nothing was written."""


@dataclass(frozen=True)
class Actor:
    """The person a write is done for: ``name``, ``role`` (查看/编辑), and whether they are the local OS user."""

    name: str
    role: str = EDITOR
    local: bool = False

    @property
    def label(self) -> str:
        """How the person is recorded in the history (``本机用户 root`` for the local user)."""
        return f"{LOCAL_LABEL} {self.name}" if self.local else self.name

    @property
    def can_edit(self) -> bool:
        return self.role == EDITOR


def local_actor() -> Actor:
    """The operating-system user of this machine (no users file: one planner, one machine)."""
    try:
        name = getpass.getuser()
    except (KeyError, OSError):  # no login name (a container without a passwd entry)
        name = "unknown"
    return Actor(name, EDITOR, local=True)


def viewer_refused(who: str) -> ViewerRefused:
    return ViewerRefused(
        f"{who} may only view (role {VIEWER}); nothing was changed.",
        f"您的角色为“{VIEWER}”，只能浏览和下载，不能修改数据。未作任何修改。",
    )


def require_editor(actor: Actor) -> Actor:
    """``actor`` if they may change data, else :class:`ViewerRefused`."""
    if not isinstance(actor, Actor):
        raise TypeError("a store write needs the Actor who makes it")
    if not actor.can_edit:
        raise viewer_refused(actor.label)
    return actor


def save_setting(actor: Actor, name: str, value: str, workspace: Path | None = None) -> Path:
    """Save an office-wide setting of this workspace (e.g. the 天地图 key); refused for a viewer."""
    require_editor(actor)
    return save_local_setting(name, value, workspace)
