"""The import progress bar: bytes of the export read, on stderr, stdlib only.

A dependency (tqdm, rich) would buy nothing here. The importers open the export through ``open_binary``,
which calls :func:`watch` with the raw file; the bar reads that file's offset (``os.lseek``, so it costs
the readers nothing and works for gzip too: the offset is in the compressed bytes, the size on disk). The
readers that make two passes (a cheap scan for where each trace ends, then the import) open the file
twice; the bar says ``scanning`` for the first pass and ``importing`` after.

A background thread redraws it ten times a second, so it moves while a pass reads without yielding a
trace. Lines printed while it shows go through :meth:`Progress.print`, which erases the bar, prints the
line and draws the bar again below it, under one lock, so a ``wrote ...`` line is never glued to the bar.
It shows only on a terminal and never with ``--quiet``, so logs and pipes stay clean.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path
from typing import IO, Any, TextIO

_WIDTH = 20
_lock = threading.Lock()
_watched: dict[Path, list[Any]] = {}


def _key(path: Path) -> Path:
    try:
        return path.resolve()
    except OSError:  # pragma: no cover - a path that cannot be resolved is not watched
        return path


def watch(path: Path, raw: IO[bytes]) -> None:
    """Called by the readers with every raw file they open; remembered only while a bar watches ``path``."""
    with _lock:
        opened = _watched.get(_key(path))
        if opened is not None:
            opened.append(raw)


def _size(count: float) -> str:
    return f"{count / (1 << 20):.1f} MB"


class Progress:
    """``importing runs.json  41% [########............] 16.4/40.0 MB, 120 traces, 118 written, 52.3 MB/s``."""

    def __init__(
        self,
        label: str,
        total_bytes: int,
        *,
        stream: TextIO | None = None,
        enabled: bool | None = None,
        path: Path | None = None,
        interval: float = 0.1,
    ):
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.label = label
        self.total = total_bytes
        self.traces = self.written = self.failed = 0
        self._path = _key(path) if path is not None else None
        self._interval = interval
        self._shown = False
        self._lock = threading.RLock()
        self._started = time.monotonic()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # ----------------------------------------------------------------------------------------------
    def __enter__(self) -> Progress:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        """Watch the export's reads and start redrawing (nothing happens when the bar is disabled)."""
        if not self.enabled:
            return
        if self._path is not None:
            with _lock:
                _watched[self._path] = []
        self._started = time.monotonic()
        self._thread = threading.Thread(target=self._run, name="agenttrace-progress", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop redrawing and erase the bar."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self._path is not None:
            with _lock:
                _watched.pop(self._path, None)
        self.clear()

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self.draw()

    # ----------------------------------------------------------------------------------------------
    def update(self, *, traces: int = 0, written: int = 0, failed: int = 0) -> None:
        """Count traces read, fixtures written and failures (shown at the next redraw)."""
        self.traces += traces
        self.written += written
        self.failed += failed

    def position(self) -> tuple[int, int]:
        """``(pass, bytes read)`` of the most recent open of the export (pass 0: nothing opened yet)."""
        if self._path is None:
            return 0, 0
        with _lock:
            opened = list(_watched.get(self._path, ()))
        if not opened:
            return 0, 0
        raw = opened[-1]
        if raw.closed:
            return len(opened), self.total
        try:
            offset = os.lseek(raw.fileno(), 0, os.SEEK_CUR)
        except (OSError, ValueError):
            offset = 0
        return len(opened), min(offset, self.total)

    def line(self) -> str:
        """The bar as it is drawn now."""
        passes, done = self.position()
        fraction = done / self.total if self.total else 0.0
        filled = round(fraction * _WIDTH)
        elapsed = max(time.monotonic() - self._started, 1e-6)
        verb = "scanning" if passes == 1 and self.traces == 0 else "importing"
        failed = f", {self.failed} failed" if self.failed else ""
        return (
            f"{verb} {self.label} {fraction * 100:3.0f}% [{'#' * filled}{'.' * (_WIDTH - filled)}] "
            f"{done / (1 << 20):.1f}/{_size(self.total)}, {self.traces} traces, {self.written} written"
            f"{failed}, {done / elapsed / (1 << 20):.1f} MB/s"
        )

    def draw(self) -> None:
        if not self.enabled or self._stop.is_set():
            return
        with self._lock:
            columns = _columns(self.stream)
            self.stream.write("\r" + self.line()[: columns - 1] + "\x1b[K")
            self.stream.flush()
            self._shown = True

    def clear(self) -> None:
        """Erase the bar, so that the next message starts on a clean line."""
        with self._lock:
            if self._shown:
                self.stream.write("\r\x1b[K")
                self.stream.flush()
                self._shown = False

    def print(self, text: str, file: TextIO | None = None) -> None:
        """Print a line with the bar erased first and drawn again after it (below the line)."""
        with self._lock:
            self.clear()
            print(text, file=file if file is not None else sys.stdout, flush=True)
            if self._thread is not None:
                self.draw()


def _columns(stream: TextIO) -> int:
    try:
        return os.get_terminal_size(stream.fileno()).columns or 80
    except (OSError, ValueError, AttributeError):
        return 80
