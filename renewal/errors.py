"""Bilingual, user-facing errors.

An :class:`InputError` carries an English message (CLI, logs) and a Chinese one
(the UI). Raising it must leave every store and file unchanged: callers
validate before they write.
"""

from __future__ import annotations

from collections.abc import Callable


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

    def __reduce__(self) -> tuple[Callable[..., InputError], tuple[type[InputError], str, str, list[str]]]:
        # pickled with both texts (a worker process raises it in the server)
        return (_rebuild_input_error, (type(self), self.message_en, self.message_zh, self.details))


def _rebuild_input_error(
    cls: type[InputError], message_en: str, message_zh: str, details: list[str]
) -> InputError:
    return cls(message_en, message_zh, details=details)


class Notice(str):
    """A warning a result carries, in English (the string itself: the command line, the log) and in
    Chinese (``.zh``: what the pages show)."""

    zh: str

    def __new__(cls, message_en: str, message_zh: str) -> Notice:
        obj = super().__new__(cls, message_en)
        obj.zh = message_zh
        return obj

    def __reduce__(self) -> tuple[type[Notice], tuple[str, str]]:
        # pickled (Streamlit's caches) with both texts
        return (Notice, (str(self), self.zh))


def notice_zh(message: str) -> str:
    """The Chinese text of a result's warning (a :class:`Notice`); a plain string as it is."""
    return getattr(message, "zh", message)


class ConflictError(InputError):
    """A save that would overwrite someone else's newer edit."""


class StoreError(InputError):
    """The workspace store cannot be written (read-only, locked, corrupt)."""


class StoreUnavailable(StoreError):
    """The team database does not answer (down, unreachable): nothing was written; it may work again later."""


class FileContentError(InputError):
    """The file exists and is of a known type, but its content cannot be used (empty, malformed, unsafe, no CRS...)."""
