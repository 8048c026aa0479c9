"""Fixture files on disk: find, read, validate, write. Knows nothing of pytest or of trace formats."""

from __future__ import annotations

from pathlib import Path

from ..model import Fixture
from .files import atomic_write
from .load import load_fixture, parse_json, validate_data, validation_problems
from .paths import SUFFIX, discover, fixture_path
from .schema import fixture_json_schema, schema_text
from .serialize import dump_fixture, dumps_data

__all__ = [
    "SUFFIX",
    "atomic_write",
    "discover",
    "dump_fixture",
    "dumps_data",
    "fixture_json_schema",
    "fixture_path",
    "load_fixture",
    "parse_json",
    "save_fixture",
    "schema_text",
    "validate_data",
    "validation_problems",
]


def save_fixture(fixture: Fixture, path: Path | str, *, force: bool = False) -> None:
    """Write a fixture atomically; refuses to overwrite unless ``force``."""
    atomic_write(Path(path), dump_fixture(fixture), force=force)
