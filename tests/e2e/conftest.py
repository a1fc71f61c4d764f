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


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.browser)
