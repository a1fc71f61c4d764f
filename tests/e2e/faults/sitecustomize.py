"""Fault injection for journeys (tests only): put this folder on the app server's ``PYTHONPATH``.

``RENEWAL_E2E_FAULT="package.module:function"`` and ``RENEWAL_E2E_FAULT_FILE=/path/flag``: while the flag
file exists, that function raises ``RuntimeError`` (as an unforeseen bug would), so a journey can see what a
planner sees when a page fails unexpectedly, and that the page recovers once the fault is gone.
"""

import functools
import importlib
import os
from pathlib import Path

_target = os.environ.get("RENEWAL_E2E_FAULT")
_flag = os.environ.get("RENEWAL_E2E_FAULT_FILE")
if _target and _flag:
    _module_name, _, _name = _target.partition(":")
    _module = importlib.import_module(_module_name)
    _original = getattr(_module, _name)

    @functools.wraps(_original)
    def _faulty(*args, **kwargs):
        if Path(_flag).exists():
            raise RuntimeError(f"injected fault in {_target} (journey test)")
        return _original(*args, **kwargs)

    setattr(_module, _name, _faulty)

# ``RENEWAL_E2E_BUSY="package.module:function"``, ``RENEWAL_E2E_BUSY_S`` and ``RENEWAL_E2E_BUSY_LOG=/path``:
# that function first keeps a core busy for that many seconds (a heavy computation stretched so a journey can
# act while it runs), logging ``start <pid> <parent pid>`` and ``done <pid>`` lines, in whichever process runs it.
_busy = os.environ.get("RENEWAL_E2E_BUSY")
_busy_log = os.environ.get("RENEWAL_E2E_BUSY_LOG")
if _busy and _busy_log:
    import time

    _busy_module_name, _, _busy_name = _busy.partition(":")
    _busy_module = importlib.import_module(_busy_module_name)
    _busy_original = getattr(_busy_module, _busy_name)
    _busy_seconds = float(os.environ.get("RENEWAL_E2E_BUSY_S", "20"))

    def _note(line: str) -> None:
        with open(_busy_log, "a", encoding="utf-8") as f:
            f.write(line + "\n")

    @functools.wraps(_busy_original)
    def _busy_wrapper(*args, **kwargs):
        _note(f"start {os.getpid()} {os.getppid()}")
        end = time.monotonic() + _busy_seconds
        while time.monotonic() < end:
            sum(range(10_000))
        result = _busy_original(*args, **kwargs)
        _note(f"done {os.getpid()}")
        return result

    setattr(_busy_module, _busy_name, _busy_wrapper)

# ``RENEWAL_E2E_KILL="package.module:function"`` and ``RENEWAL_E2E_KILL_AT=n``: the process kills itself
# (SIGKILL: no cleanup, as a power cut or an OOM kill would) on the n-th call of that function, before it runs.
_kill = os.environ.get("RENEWAL_E2E_KILL")
if _kill:
    import signal

    _kill_module_name, _, _kill_name = _kill.partition(":")
    _kill_module = importlib.import_module(_kill_module_name)
    _kill_original = getattr(_kill_module, _kill_name)
    _kill_at = int(os.environ.get("RENEWAL_E2E_KILL_AT", "1"))
    _kill_calls = [0]

    @functools.wraps(_kill_original)
    def _killing(*args, **kwargs):
        _kill_calls[0] += 1
        if _kill_calls[0] == _kill_at:
            os.kill(os.getpid(), signal.SIGKILL)
        return _kill_original(*args, **kwargs)

    setattr(_kill_module, _kill_name, _killing)
