"""The fixture format's JSON Schema: generated from the models, committed at ``docs/fixture.schema.json``.

Editors and other languages validate fixtures against the committed file; the loader validates against the
same schema so that an error points at the JSON path a user can find in the file.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from ..model import FORMAT_VERSION, Fixture

SCHEMA_ID = "https://pytest-agenttrace.dev/schemas/fixture-v1.schema.json"


@cache
def fixture_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of fixture format v1."""
    schema = Fixture.model_json_schema(by_alias=True, mode="validation")
    schema.pop("title", None)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": f"pytest-agenttrace fixture, format {FORMAT_VERSION}",
        **schema,
    }


def schema_text() -> str:
    """The schema as the committed file holds it: indented, one trailing newline."""
    return json.dumps(fixture_json_schema(), indent=2, ensure_ascii=False) + "\n"
