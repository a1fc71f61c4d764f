"""Fixtures of the journeys: one Chromium per session, one app server per module (shared workspace)."""

from __future__ import annotations

import pytest

from tests.e2e import harness


@pytest.fixture(scope="session")
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
