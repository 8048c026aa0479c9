"""Writing files so that a reader never sees half of one, and nobody's work is overwritten by surprise."""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from pathlib import Path

from ..errors import FixtureExistsError

#: What a new file is created with before the umask, as ``open()`` and every editor do.
_NEW_FILE_MODE = 0o666


def _create_temporary(folder: Path, name: str) -> tuple[int, Path]:
    """A new, empty file next to where the data goes, created ``0666`` so the kernel applies the umask.

    ``tempfile.mkstemp`` creates its file ``0600`` for privacy, and the rename would hand that mode to the
    fixture: a file nobody else in the group (a CI job under another user, a teammate) could read.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)
    for _ in range(100):
        tmp = folder / f".{name}.{secrets.token_hex(4)}.tmp"
        try:
            return os.open(tmp, flags, _NEW_FILE_MODE), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"{folder}: cannot create a temporary file for {name}")  # pragma: no cover


def atomic_write(path: Path, data: bytes, *, force: bool = False) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename.

    Without ``force`` an existing file is left alone and :class:`FixtureExistsError` is raised; the check and
    the rename are one operation (a hard link), so two writers racing for the same name cannot both win.

    A new file gets ``0666`` less the umask, like any other; a replaced file keeps its mode. A symlink is
    written through: its target is replaced (the temporary file lives in the target's folder, so the rename
    stays atomic) and the link stays a link, so a fixture shared by linking is not silently forked.
    """
    if not force and os.path.lexists(path):  # a link, even a dangling one, is an existing name
        raise FixtureExistsError(f"{path}: already exists (use --force to overwrite)")
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        keep_mode: int | None = stat.S_IMODE(target.stat().st_mode) if force else None
    except FileNotFoundError:
        keep_mode = None
    fd, tmp = _create_temporary(target.parent, target.name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if keep_mode is not None:
            os.chmod(tmp, keep_mode)
        if force:
            os.replace(tmp, target)
        else:
            try:
                os.link(tmp, target)
            except FileExistsError:
                raise FixtureExistsError(f"{path}: already exists (use --force to overwrite)") from None
            except OSError:  # file systems without hard links: best effort, still never a partial file
                if os.path.lexists(target):
                    raise FixtureExistsError(f"{path}: already exists (use --force to overwrite)") from None
                os.replace(tmp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
