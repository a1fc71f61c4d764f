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
