"""The examples in the public API docstrings of renewal.analysis run as doctests, and say what they show.

Each public function the pages and the CLI call documents Parameters, Returns, Raises and a small
Examples section on synthetic input whose output is printed in the docstring; ``doctest`` runs it here.
"""

from __future__ import annotations

import doctest
import functools
import importlib
import time
import warnings

import pytest

from renewal import standards as standards_module

#: (module, qualified name) of the documented public API.
PUBLIC_API = [
    ("renewal.analysis.coverage", "radius_coverage"),
    ("renewal.analysis.coverage", "network_coverage"),
    ("renewal.analysis.whatif", "what_if"),
    ("renewal.analysis.siting", "greedy_siting"),
    ("renewal.analysis.accessibility", "accessibility"),
    ("renewal.analysis.spatial_query", "query_by_location"),
    ("renewal.analysis.supply_report", "supply_demand_run"),
    ("renewal.analysis.supply_siting", "capacity_siting"),
    ("renewal.analysis.osm_import", "import_osm"),
    ("renewal.analysis.network", "WalkNetwork.from_lines"),
]

SECTIONS = ("Parameters\n", "Returns\n", "Raises\n", "Examples\n")


def _target(module: str, qualname: str) -> object:
    obj: object = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


@pytest.fixture
def standards_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The bundled standards file parsed once for all examples (pure-Python YAML takes most of a
    second): the examples still call the functions with their defaults."""
    cached = functools.cache(standards_module.load_standards)
    for module, _ in PUBLIC_API:
        mod = importlib.import_module(module)
        if hasattr(mod, "load_standards"):
            monkeypatch.setattr(mod, "load_standards", cached)


@pytest.mark.parametrize(("module", "qualname"), PUBLIC_API, ids=[q for _, q in PUBLIC_API])
def test_public_docstring_has_numpy_sections(module: str, qualname: str) -> None:
    doc = _target(module, qualname).__doc__ or ""
    missing = [s.strip() for s in SECTIONS if s not in doc]
    assert not missing, f"{module}.{qualname} lacks {missing}"
    assert doc.count(">>> ") >= 2, f"{module}.{qualname} has no real example"


@pytest.mark.parametrize(("module", "qualname"), PUBLIC_API, ids=[q for _, q in PUBLIC_API])
def test_docstring_examples_pass(module: str, qualname: str, standards_once: None) -> None:
    mod = importlib.import_module(module)
    tests = [
        t
        for t in doctest.DocTestFinder().find(mod, module)
        if t.name == f"{module}.{qualname}" and t.examples
    ]
    assert len(tests) == 1, f"no doctest found for {module}.{qualname}"
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the examples' results carry their notices in .warnings
        runner.run(tests[0])
    elapsed = time.perf_counter() - start
    result = runner.summarize(verbose=False)
    assert result.attempted == len(tests[0].examples)
    assert result.failed == 0, f"{result.failed} failing example(s) in {module}.{qualname}"
    print(f"{qualname}: {elapsed:.2f} s")
