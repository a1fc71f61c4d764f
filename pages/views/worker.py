"""Worker processes for heavy page work (no Streamlit here: the pool and the wait loop are in
``pages/views/heavy.py``).

Streamlit runs every session's script as a thread of one server process, so a computation in a script
thread shares the interpreter with everyone's pages. A :class:`Worker` is a separate Python process
(``spawn``: the same on Linux and Windows) at a lower OS priority (``os.nice`` where the OS has it) that
runs one function call at a time: the arguments and the result cross a pipe as pickles, an exception
raised by the call is raised again in the caller. :meth:`Worker.kill` stops a call for good (the process
ends; nothing it computed is returned), and a worker whose server went away ends by itself (its pipe
closes).
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
import types
import warnings
from collections.abc import Callable
from typing import Any

#: How much lower the worker's OS priority is than the server's (POSIX nice increment).
NICE = 10
_STARTING = threading.Lock()


def _lower_priority() -> None:
    if hasattr(os, "nice"):  # POSIX; on Windows the worker keeps the server's priority
        try:
            os.nice(NICE)
        except OSError:
            pass


def _serve(conn) -> None:
    """The worker's loop: one call at a time until the pipe closes."""
    _lower_priority()
    while True:
        try:
            fn, args, kwargs = conn.recv()
        except (EOFError, OSError):
            return  # the server closed the pipe or went away
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # the engines' warnings come back in their results
                reply = ("ok", fn(*args, **kwargs))
        except Exception as err:  # raised again in the caller
            reply = ("error", err)
        try:
            conn.send(reply)
        except Exception as err:  # a result or exception that does not pickle
            conn.send(("error", RuntimeError(f"the worker's reply could not be sent: {err!r}")))


class WorkerGone(RuntimeError):
    """The worker process ended before it replied (killed, out of memory, crashed)."""


class Worker:
    """One worker process and its pipe."""

    def __init__(self) -> None:
        ctx = multiprocessing.get_context("spawn")
        self._conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_serve, args=(child,), name="renewal-heavy-worker", daemon=True)
        with _STARTING:
            # ``spawn`` runs the parent's main script again in the child, and Streamlit's main module is the
            # app's script (it would start a page in the worker): the child is started with an empty one
            main = sys.modules.get("__main__")
            stub = types.ModuleType("__main__")
            sys.modules["__main__"] = stub
            try:
                self.process.start()
            finally:
                if sys.modules.get("__main__") is stub:  # unless a script run has set its own meanwhile
                    if main is not None:
                        sys.modules["__main__"] = main
                    else:
                        del sys.modules["__main__"]
        child.close()
        self.busy = False

    @property
    def pid(self) -> int | None:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.is_alive()

    def submit(self, fn: Callable, *args: Any, **kwargs: Any) -> None:
        """Send one call (``fn`` must be importable by name; arguments must pickle)."""
        self.busy = True
        self._conn.send((fn, args, kwargs))

    def ready(self, timeout: float) -> bool:
        """True once the reply is there (or the worker has gone), waiting at most ``timeout`` seconds."""
        return self._conn.poll(timeout)

    def result(self) -> Any:
        """The reply of the call: its return value, or its exception raised here."""
        try:
            status, value = self._conn.recv()
        except (EOFError, OSError) as err:
            raise WorkerGone("the heavy-work process ended before it replied") from err
        finally:
            self.busy = False
        if status == "error":
            raise value
        return value

    def kill(self) -> None:
        """Stop the process at once (a running call is abandoned) and wait for it to end."""
        self.process.kill()
        self.process.join(10)
        self._conn.close()
        self.busy = False
