"""Start-up cost of the plugin when ``--agenttrace`` is not given.

pytest loads every ``pytest11`` plugin in every run, so the plugin must cost nothing measurable unless it is
used. This runs, alternately and in the same process tree, ``pytest --version`` and a one-test run with the
plugin blocked (``-p no:agenttrace``) and with it loaded, and prints the medians and their ratio.

    .venv/bin/python bench/bench_startup.py [--runs 30]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def timed(args: list[str], cwd: Path) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "pytest", *args], cwd=cwd, capture_output=True, check=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as folder:
        cwd = Path(folder)
        (cwd / "test_one.py").write_text("def test_one():\n    assert True\n")
        cases = {
            "pytest --version": ["--version"],
            "pytest (one test)": ["-q", "-p", "no:cacheprovider", "test_one.py"],
        }
        print(f"{'case':<22} {'without plugin':>15} {'with plugin':>12} {'ratio':>7}")
        for label, args in cases.items():
            without: list[float] = []
            with_plugin: list[float] = []
            for _ in range(runs):  # interleaved, so machine noise hits both sides alike
                without.append(timed([*args, "-p", "no:agenttrace"], cwd))
                with_plugin.append(timed(args, cwd))
            a, b = statistics.median(without), statistics.median(with_plugin)
            print(f"{label:<22} {a * 1000:>12.0f} ms {b * 1000:>9.0f} ms {b / a:>7.3f}")


if __name__ == "__main__":
    main()
