"""生活圈覆盖's tabs keep what the planner chose while another tab is open (``panels.kept``): each tab module's
``WIDGETS`` must name exactly the keys of the value widgets it draws, or a renamed key silently loses a choice."""

import ast
from pathlib import Path

import pytest

from pages.views import coverage_siting, coverage_stats, coverage_whatif

#: Streamlit widgets that hold a value (a button holds none: nothing to keep).
VALUE_WIDGETS = {
    "checkbox",
    "color_picker",
    "date_input",
    "multiselect",
    "number_input",
    "pills",
    "radio",
    "segmented_control",
    "select_slider",
    "selectbox",
    "slider",
    "text_area",
    "text_input",
    "time_input",
    "toggle",
}


def _value_widget_keys(module) -> set[str]:
    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    keys = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in VALUE_WIDGETS
        ):
            for kw in node.keywords:
                if kw.arg == "key":
                    assert isinstance(kw.value, ast.Constant), f"{module.__name__}: a computed widget key"
                    keys.add(kw.value.value)
    return keys


@pytest.mark.parametrize(
    "module", [coverage_stats, coverage_whatif, coverage_siting], ids=lambda m: m.__name__
)
def test_each_tab_keeps_exactly_the_widgets_it_draws(module):
    drawn = _value_widget_keys(module)
    assert drawn, module.__name__  # the parse found the tab's widgets
    assert set(module.WIDGETS) == drawn
