"""Writing files so that a reader never sees half of one, and nobody's work is overwritten by surprise."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from ..errors import FixtureExistsError


def atomic_write(path: Path, data: bytes, *, force: bool = False) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename.

    Without ``force`` an existing file is left alone and :class:`FixtureExistsError` is raised; the check and
    the rename are one operation (a hard link), so two writers racing for the same name cannot both win.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if force:
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)
            except FileExistsError:
                raise FixtureExistsError(f"{path}: already exists (use --force to overwrite)") from None
            except OSError:  # file systems without hard links: best effort, still never a partial file
                if path.exists():
                    raise FixtureExistsError(f"{path}: already exists (use --force to overwrite)") from None
                os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
