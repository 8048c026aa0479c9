"""``--agenttrace-update``: new expectations for golden fixtures, queued during the run, written at the end.

The syrupy pattern: a test never writes a file. It hands its new ``expect`` to the queue (on the
controller, through the test report when pytest-xdist runs the test elsewhere); the queue writes each file
once at session end, atomically, after re-reading it so that nothing else in the file changes, and the
terminal summary lists what was written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import AgentTraceError
from ..store import atomic_write, dump_fixture, parse_json, validate_data
from ..store.load import check_version, read_bytes


class UpdateQueue:
    def __init__(self) -> None:
        self.pending: dict[str, dict[str, Any]] = {}
        self.written: list[str] = []
        self.errors: list[str] = []
        #: Golden fixtures the update could not apply to, with the reason (said, never silently skipped).
        self.skipped: list[str] = []

    def skip(self, name: str, reason: str) -> None:
        self.skipped.append(f"  {name}: {reason}")

    def add(self, path: str, expect: dict[str, Any]) -> None:
        self.pending[path] = expect

    def flush(self) -> None:
        for name, expect in sorted(self.pending.items()):
            path = Path(name)
            try:
                data = check_version(parse_json(read_bytes(path), path), path)
                data["expect"] = expect
                fixture = validate_data(data, path)
                atomic_write(path, dump_fixture(fixture), force=True)
            except (AgentTraceError, OSError) as exc:
                self.errors.append(f"{path}: not updated: {exc}")
            else:
                self.written.append(str(path))
        self.pending.clear()

    def summary_lines(self) -> list[str]:
        lines = []
        count = len(self.written)
        lines.append(f"{count} golden fixture{'s' if count != 1 else ''} updated.")
        lines.extend(f"  updated {name}" for name in self.written)
        lines.extend(self.errors)
        if self.skipped:
            count = len(self.skipped)
            lines.append(f"{count} golden fixture{'s' if count != 1 else ''} not updated:")
            lines.extend(self.skipped)
        return lines
