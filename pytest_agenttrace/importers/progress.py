"""A one-line progress display for long imports, on stderr, stdlib only.

A dependency (tqdm, rich) would buy nothing here: the importers stream traces, not bytes, so the display is
a counter of traces read and fixtures written against the file's size, redrawn at most ten times a second.
It shows only on a terminal and never with ``--quiet``, so logs and pipes stay clean.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

_SPIN = "|/-\\"


def _size(count: int) -> str:
    value = float(count)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"  # pragma: no cover


class Progress:
    """``importing traces.jsonl (31.0 MB) | 120 traces, 118 written, 2 failed`` redrawn in place."""

    def __init__(
        self, label: str, total_bytes: int, *, stream: TextIO | None = None, enabled: bool | None = None
    ):
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.label = f"{label} ({_size(total_bytes)})"
        self.traces = self.written = self.failed = 0
        self._last = 0.0
        self._frame = 0
        self._shown = False

    def update(self, *, traces: int = 0, written: int = 0, failed: int = 0) -> None:
        self.traces += traces
        self.written += written
        self.failed += failed
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._last < 0.1:
            return
        self._last = now
        self._frame = (self._frame + 1) % len(_SPIN)
        failed_text = f", {self.failed} failed" if self.failed else ""
        line = f"importing {self.label} {_SPIN[self._frame]} {self.traces} traces, {self.written} written{failed_text}"
        self.stream.write("\r" + line[:200] + "\x1b[K")
        self.stream.flush()
        self._shown = True

    def clear(self) -> None:
        """Erase the line, so that the next message starts on a clean one."""
        if self._shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._shown = False
        self._last = 0.0
