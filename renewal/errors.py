"""Bilingual, user-facing errors.

An :class:`InputError` carries an English message (CLI, logs) and a Chinese one
(the UI). Raising it must leave every store and file unchanged: callers
validate before they write.
"""

from __future__ import annotations


class InputError(ValueError):
    """Bad input that the user can fix. ``str(err)`` is the English message."""

    def __init__(self, message_en: str, message_zh: str, *, details: list[str] | None = None):
        super().__init__(message_en)
        self.message_en = message_en
        self.message_zh = message_zh
        self.details = list(details or [])

    def __str__(self) -> str:  # pragma: no cover - trivial
        if self.details:
            return self.message_en + "\n" + "\n".join(f"  - {d}" for d in self.details)
        return self.message_en


class ConflictError(InputError):
    """A save that would overwrite someone else's newer edit."""


class StoreError(InputError):
    """The workspace store cannot be written (read-only, locked, corrupt)."""


class StoreUnavailable(StoreError):
    """The team database does not answer (down, unreachable): nothing was written; it may work again later."""


class FileContentError(InputError):
    """The file exists and is of a known type, but its content cannot be used (empty, malformed, unsafe, no CRS...)."""
