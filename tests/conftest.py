"""Shared test configuration: every test gets its own empty workspace folder,
so no test ever writes into the repository's workspace/; the browser tests find Chromium here."""

import os
import shutil
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _isolated_workspace(tmp_path_factory, monkeypatch):
    ws = tmp_path_factory.mktemp("workspace")
    monkeypatch.setenv("RENEWAL_WORKSPACE", str(ws))
    return ws


def _chromium() -> str | None:
    if Path("/usr/bin/chromium").is_file():
        return "/usr/bin/chromium"
    return shutil.which("chromium")


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = _chromium()
    if path is None:
        if os.environ.get("RENEWAL_REQUIRE_BROWSER"):
            pytest.fail("RENEWAL_REQUIRE_BROWSER is set but no Chromium is installed (/usr/bin/chromium)")
        pytest.skip("no Chromium installed (/usr/bin/chromium or chromium on PATH); .ci/run installs it")
    return path
