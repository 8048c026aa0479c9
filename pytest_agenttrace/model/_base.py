"""The base every fixture-format model derives from.

Fixture files are written with ``exclude_unset``: a field is in the file exactly when the source recorded
it (or the file said it), so "recorded as null" and "not recorded" stay different and a load-then-save
round trip gives the same bytes. A few fields belong in every file whatever their value; a model lists them
in ``_always_written`` and they are marked as set when the object is built.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict


class FormatModel(BaseModel):
    """Frozen, strict about unknown keys, and aware of which fields were really given."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    _always_written: ClassVar[frozenset[str]] = frozenset()

    def model_post_init(self, context: Any, /) -> None:
        if self._always_written:
            self.__pydantic_fields_set__.update(self._always_written)

    def to_data(self) -> dict[str, Any]:
        """The JSON-ready dict that goes into a fixture file (aliases, only the fields that were given)."""
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True)
