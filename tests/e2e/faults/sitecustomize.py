"""Fault injection for journeys (tests only): put this folder on the app server's ``PYTHONPATH``.

Each hook names a function as ``"package.module:function"`` in an environment variable and replaces it with
a wrapper (:func:`_patch`), in whichever process imports this (the server, a worker, a CLI run):

* ``RENEWAL_E2E_FAULT`` and ``RENEWAL_E2E_FAULT_FILE=/path/flag``: while the flag file exists, the function
  raises ``RuntimeError`` (as an unforeseen bug would), so a journey can see what a planner sees when a page
  fails unexpectedly, and that the page recovers once the fault is gone.
* ``RENEWAL_E2E_BUSY``, ``RENEWAL_E2E_BUSY_S`` and ``RENEWAL_E2E_BUSY_LOG=/path``: the function first keeps a
  core busy for that many seconds (a heavy computation stretched so a journey can act while it runs),
  logging ``start <pid> <parent pid>`` and ``done <pid>`` lines.
* ``RENEWAL_E2E_KILL`` and ``RENEWAL_E2E_KILL_AT=n``: the process kills itself (SIGKILL: no cleanup, as a
  power cut or an OOM kill would) on the n-th call of the function, before it runs.
"""

import functools
import importlib
import os
import signal
import time
from pathlib import Path


def _patch(spec: str, before, after=None) -> None:
    """Replace the function ``spec`` names by one that calls ``before()``, the original, then ``after()``."""
    module_name, _, name = spec.partition(":")
    module = importlib.import_module(module_name)
    original = getattr(module, name)

    @functools.wraps(original)
    def wrapper(*args, **kwargs):
        before()
        result = original(*args, **kwargs)
        if after is not None:
            after()
        return result

    setattr(module, name, wrapper)


_fault, _flag = os.environ.get("RENEWAL_E2E_FAULT"), os.environ.get("RENEWAL_E2E_FAULT_FILE")
if _fault and _flag:

    def _raise_while_flagged() -> None:
        if Path(_flag).exists():
            raise RuntimeError(f"injected fault in {_fault} (journey test)")

    _patch(_fault, _raise_while_flagged)

_busy, _busy_log = os.environ.get("RENEWAL_E2E_BUSY"), os.environ.get("RENEWAL_E2E_BUSY_LOG")
if _busy and _busy_log:
    _busy_seconds = float(os.environ.get("RENEWAL_E2E_BUSY_S", "20"))

    def _note(line: str) -> None:
        with open(_busy_log, "a", encoding="utf-8") as f:
            f.write(line + "\n")

    def _keep_busy() -> None:
        _note(f"start {os.getpid()} {os.getppid()}")
        end = time.monotonic() + _busy_seconds
        while time.monotonic() < end:
            sum(range(10_000))

    _patch(_busy, _keep_busy, after=lambda: _note(f"done {os.getpid()}"))

_kill = os.environ.get("RENEWAL_E2E_KILL")
if _kill:
    _kill_at = int(os.environ.get("RENEWAL_E2E_KILL_AT", "1"))
    _kill_calls = [0]

    def _kill_on_nth_call() -> None:
        _kill_calls[0] += 1
        if _kill_calls[0] == _kill_at:
            os.kill(os.getpid(), signal.SIGKILL)

    _patch(_kill, _kill_on_nth_call)
