"""The examples in the docstrings of renewal.io's public API run as doctests: each one reads or writes a
tiny synthetic layer and shows the result, so a docstring that no longer matches the code fails here."""

from __future__ import annotations

import doctest

import pytest

from renewal.io import convert, export, read, write

#: module -> the public functions whose docstrings must carry an example
DOCUMENTED = {
    read: ("read_vector",),
    export: ("layer_bytes", "write_layer"),
    convert: ("convert_file",),
    write: ("csv_bytes",),
}


@pytest.mark.parametrize("module", list(DOCUMENTED), ids=lambda m: m.__name__)
def test_the_examples_in_the_docstrings_run(module):
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, verbose=False, report=False)
    assert result.failed == 0, (
        f"{result.failed} of {result.attempted} doctest examples failed in {module.__name__}"
    )
    assert result.attempted > 0


@pytest.mark.parametrize(
    ("module", "name"), [(m, n) for m, names in DOCUMENTED.items() for n in names], ids=lambda v: str(v)
)
def test_the_public_function_has_a_numpy_style_docstring_with_an_example(module, name):
    doc = getattr(module, name).__doc__ or ""
    for section in ("Parameters\n    ----------", "Returns\n    -------", "Examples\n    --------"):
        assert section in doc, f"{module.__name__}.{name} lacks {section.splitlines()[0]}"
    examples = doctest.DocTestParser().get_examples(doc)
    assert examples and all(e.want for e in examples[-1:]), f"{name}: the example shows no result"
