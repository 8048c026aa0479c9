"""Run every benchmark of docs/performance.md, one after another, each printing its side-by-side ratios.

    .venv/bin/python bench/run_all.py            # the figures of docs/performance.md (about 15 minutes)
    .venv/bin/python bench/run_all.py --quick    # smaller inputs, one round each (about 2 minutes)
    .venv/bin/python bench/run_all.py --only import stubs

Each benchmark runs in its own process, so one's imports and garbage do not weigh on the next. The
machine these figures come from is shared and noisy: every benchmark interleaves its two sides and quotes
medians, and only the ratios are meant to carry from one run (or machine) to another.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

#: name -> (script, arguments for the full run, arguments for --quick)
BENCHES: dict[str, tuple[str, list[str], list[str]]] = {
    "import": ("bench_import.py", [], ["--quick"]),
    "redact": ("bench_redact.py", [], ["--repeat", "2"]),
    "stubs": ("bench_stubs.py", [], ["--quick"]),
    "checks": ("bench_checks.py", [], []),
    "pytest": ("bench_pytest.py", [], ["--quick"]),
    "startup": ("bench_startup.py", ["--runs", "15"], ["--runs", "5"]),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small inputs, one round: a smoke run")
    parser.add_argument("--only", nargs="+", choices=sorted(BENCHES), help="run only these")
    args = parser.parse_args()
    failed = []
    for name, (script, full, quick) in BENCHES.items():
        if args.only and name not in args.only:
            continue
        path = HERE / script
        if not path.exists():
            print(f"== {name}: {script} not found, skipped", flush=True)
            continue
        print(f"== {name}: {script} {' '.join(quick if args.quick else full)}", flush=True)
        started = time.perf_counter()
        done = subprocess.run([sys.executable, str(path), *(quick if args.quick else full)], cwd=HERE.parent)
        print(f"   ({time.perf_counter() - started:.0f} s)\n", flush=True)
        if done.returncode != 0:
            failed.append(name)
    if failed:
        raise SystemExit(f"failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
