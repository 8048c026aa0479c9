"""The public API is exactly ``__all__``, and importing the package stays cheap."""

from __future__ import annotations

import subprocess
import sys

import pytest

import pytest_agenttrace


def test_all_names_resolve_and_are_sorted():
    assert len(set(pytest_agenttrace.__all__)) == len(pytest_agenttrace.__all__)
    assert sorted(pytest_agenttrace.__all__) == sorted(dir(pytest_agenttrace))
    for name in pytest_agenttrace.__all__:
        assert getattr(pytest_agenttrace, name) is not None, name


def test_unknown_names_raise_attribute_error():
    with pytest.raises(AttributeError, match="no_such_name"):
        pytest_agenttrace.no_such_name  # noqa: B018


def test_importing_the_package_imports_nothing_heavy():
    code = (
        "import sys, pytest_agenttrace, pytest_agenttrace.plugin; "
        "heavy = [m for m in ('pydantic', 'jsonschema', 'deepdiff', 'hypothesis', 'pytest_agenttrace.store') "
        "if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
