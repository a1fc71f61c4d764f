"""Fixtures of the journeys: one Chromium and one app server per module (shared workspace).

Chromium is per module, not per session: Playwright's sync API allows one running instance per thread,
and the older browser tests (tests/test_e2e_*.py) start their own after the journeys."""

from __future__ import annotations

import pytest

from tests.e2e import harness


@pytest.fixture(scope="module")
def chromium(chromium_path):
    with harness.browser(chromium_path) as b:
        yield b


@pytest.fixture(scope="module")
def app(chromium_path, tmp_path_factory):
    """One server on a fresh workspace for the journeys of a module."""
    with harness.serve_app(tmp_path_factory.mktemp("app")) as served:
        yield served


#: A journey that fails is run again, twice at most (pytest-rerunfailures): a real browser against a real
#: server on a loaded 2-core machine meets timing races a planner would answer with a second click; a defect
#: fails all three runs. The retries are reported in the summary ("rerun").
JOURNEY_RERUNS = 2


def pytest_collection_modifyitems(items):
    for item in items:
        path = str(item.fspath).replace("\\", "/")
        if "tests/e2e/" in path:
            item.add_marker(pytest.mark.browser)
        if "tests/e2e/" in path or path.rsplit("/", 1)[-1].startswith("test_e2e_"):
            item.add_marker(pytest.mark.flaky(reruns=JOURNEY_RERUNS, reruns_delay=2))
