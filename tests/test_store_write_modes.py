"""Files the store writes get the permissions any other new file would, and a symlinked fixture stays one.

``tempfile.mkstemp`` creates its file 0600, and a rename carries that mode over, so every fixture written
through it was unreadable to the group (a CI job under another user, a teammate's shell). A symlink to a
shared fixture was replaced by a regular copy, silently forking it.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from pytest_agenttrace.errors import FixtureExistsError
from pytest_agenttrace.store import atomic_write, dumps_data
from tests.factories import refund_document

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions and symlinks")


@pytest.fixture
def umask() -> Iterator[int]:
    """A known umask for the test, restored afterwards."""
    old = os.umask(0o022)
    try:
        yield 0o022
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("mask", [0o022, 0o002, 0o077])
def test_a_new_file_gets_0666_less_the_umask(tmp_path: Path, mask: int) -> None:
    old = os.umask(mask)
    try:
        atomic_write(tmp_path / "x.trace.json", b"{}\n")
        atomic_write(tmp_path / "y.trace.json", b"{}\n", force=True)
    finally:
        os.umask(old)
    assert mode(tmp_path / "x.trace.json") == 0o666 & ~mask
    assert mode(tmp_path / "y.trace.json") == 0o666 & ~mask


def test_replacing_a_file_keeps_its_mode(tmp_path: Path, umask: int) -> None:
    target = tmp_path / "x.trace.json"
    target.write_bytes(b"old\n")
    target.chmod(0o640)
    atomic_write(target, b"new\n", force=True)
    assert target.read_bytes() == b"new\n"
    assert mode(target) == 0o640


def test_writing_through_a_symlink_replaces_the_target_not_the_link(tmp_path: Path, umask: int) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    target = shared / "refund.trace.json"
    target.write_bytes(b"old\n")
    target.chmod(0o664)
    project = tmp_path / "project"
    project.mkdir()
    link = project / "refund.trace.json"
    link.symlink_to(Path("..") / "shared" / "refund.trace.json")

    atomic_write(link, b"new\n", force=True)

    assert link.is_symlink()
    assert os.readlink(link) == str(Path("..") / "shared" / "refund.trace.json")
    assert target.read_bytes() == b"new\n"
    assert mode(target) == 0o664
    # the temporary file lived next to the target (so the rename is atomic) and is gone
    assert sorted(p.name for p in shared.iterdir()) == ["refund.trace.json"]
    assert sorted(p.name for p in project.iterdir()) == ["refund.trace.json"]


def test_a_symlink_is_an_existing_file_without_force(tmp_path: Path) -> None:
    target = tmp_path / "real.trace.json"
    target.write_bytes(b"old\n")
    link = tmp_path / "link.trace.json"
    link.symlink_to(target.name)
    with pytest.raises(FixtureExistsError, match=r"link\.trace\.json: already exists"):
        atomic_write(link, b"new\n")
    assert target.read_bytes() == b"old\n"
    assert link.is_symlink()


def test_cli_writes_get_normal_permissions(tmp_path: Path) -> None:
    """`agenttrace mark` and `agenttrace show --html` through the real entry point, under umask 022."""
    fixture = tmp_path / "refund.trace.json"
    fixture.write_bytes(dumps_data(refund_document()))
    fixture.chmod(0o644)
    page = tmp_path / "refund.html"
    script = (
        "import os, sys; os.umask(0o022); from pytest_agenttrace.cli import main; "
        "sys.exit(main(sys.argv[1:]))"
    )
    for argv in (["mark", str(fixture), "--golden"], ["show", str(fixture), "--html", str(page)]):
        result = subprocess.run(
            [sys.executable, "-c", script, *argv], capture_output=True, text=True, check=False, timeout=120
        )
        assert result.returncode == 0, result.stderr
    assert mode(fixture) == 0o644
    assert b'"status": "golden"' in fixture.read_bytes()
    assert mode(page) == 0o644
