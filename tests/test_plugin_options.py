"""The plugin's options and configuration, through the real pytest (pytester)."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]


def test_options_are_listed_in_help(pytester: pytest.Pytester):
    result = pytester.runpytest("--help")
    result.stdout.fnmatch_lines(
        [
            "replay recorded agent runs (pytest-agenttrace):",
            "  --agenttrace *generate one test per fixture file*",
            "  --agenttrace-update *",
        ]
    )


def test_update_without_agenttrace_is_a_usage_error(pytester: pytest.Pytester):
    pytester.makepyfile("def test_ok(): pass")
    result = pytester.runpytest("--agenttrace-update")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--agenttrace-update needs --agenttrace*"])


def test_without_the_option_the_plugin_does_nothing(pytester: pytest.Pytester):
    pytester.makepyfile(
        """
        import sys

        def test_nothing_heavy_was_imported():
            loaded = [m for m in ("pytest_agenttrace.store", "pytest_agenttrace._pytest.session", "deepdiff")
                      if m in sys.modules]
            assert loaded == []
        """
    )
    (pytester.path / "fixtures").mkdir()
    (pytester.path / "fixtures" / "x.trace.json").write_text("{not even json")
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(passed=1)
    assert "agenttrace:" not in result.stdout.str()


def test_configuration_errors_are_usage_errors(pytester: pytest.Pytester):
    pytester.makepyprojecttoml('[tool.agenttrace]\nentry_point = "app:handle"\n')
    pytester.makepyfile("def test_ok(): pass")
    result = pytester.runpytest("--agenttrace")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*[[]tool.agenttrace[]] unknown key 'entry_point'; valid keys:*"])


def test_the_report_header_names_the_fixture_folders(pytester: pytest.Pytester):
    pytester.makepyprojecttoml('[tool.agenttrace]\nfixtures = ["recorded"]\n')
    pytester.makepyfile("def test_ok(): pass")
    result = pytester.runpytest("--agenttrace")
    result.stdout.fnmatch_lines(["agenttrace: fixtures=recorded *"])
