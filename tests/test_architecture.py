"""Rules of the code's shape that review alone would let slip (ARCHITECTURE.md, principles 1 and 3)."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "opennrm"
# Views and API endpoints are thin: they read through selectors (which scope what a user may see) and write
# through services (which audit). A query written straight into a view bypasses both.
THIN_MODULES = sorted([*PACKAGE.glob("*/views.py"), *PACKAGE.glob("*/views/*.py"), *PACKAGE.glob("*/api.py")])
MANAGER_NAMES = {"objects", "_default_manager", "_base_manager"}


def manager_uses(source: str) -> list[int]:
    """Line numbers where the source touches a model manager (`Model.objects…`)."""
    return [
        node.lineno
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Attribute) and node.attr in MANAGER_NAMES
    ]


@pytest.mark.parametrize("path", THIN_MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_views_and_api_do_not_query_models_directly(path):
    assert manager_uses(path.read_text()) == [], f"{path}: read through a selector, write through a service"


def test_the_rule_sees_a_direct_query():
    assert manager_uses("def view(request):\n    return Case.objects.filter(pk=1)\n") == [2]


def test_the_rule_covers_the_case_views_and_api():
    names = {str(p.relative_to(PACKAGE)) for p in THIN_MODULES}
    assert {"cases/api.py", "cases/views/case.py", "cases/views/lists.py"} <= names
