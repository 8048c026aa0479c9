"""Import throughput and memory: ``agenttrace import-trace`` against the minimal work on the same bytes.

Every figure is a whole process, so start-up, the fixture files written and freeing memory at exit count.
Per round, and interleaved so that the shared machine's noise hits both sides alike:

* baseline: a Python process that parses every line with orjson and decodes every attribute value that
  holds JSON text (the least any importer must do), the file read line by line;
* import: ``agenttrace import-trace EXPORT --out TMP -q`` (parse, normalise, redact, validate, write).

Peak RSS is the child's own ``ru_maxrss`` (``os.wait4``), against the floor of a process that only imports
the CLI. It is shown for JSONL at two sizes, and for the same spans as one JSON document (streamed).

    .venv/bin/python bench/bench_import.py [--mb 100] [--rounds 3] [--quick]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from gen_otlp_export import write_export  # noqa: E402

CLI = Path(sys.executable).with_name("agenttrace")
DATA = HERE / "data"


def baseline(path: str) -> int:
    """Parse every line with orjson and decode every attribute value that holds JSON text."""
    import orjson

    loads = orjson.loads
    error = orjson.JSONDecodeError
    decoded = 0

    def attributes(items: Any) -> None:
        nonlocal decoded
        for item in items or ():
            text = (item.get("value") or {}).get("stringValue")
            if text and text[0] in "[{":
                try:
                    loads(text)
                    decoded += 1
                except error:
                    pass

    with open(path, "rb") as stream:
        for line in stream:
            doc = loads(line)
            for resource_spans in doc.get("resourceSpans", ()):
                attributes((resource_spans.get("resource") or {}).get("attributes"))
                for scope_spans in resource_spans.get("scopeSpans", ()):
                    for span in scope_spans.get("spans", ()):
                        attributes(span.get("attributes"))
                        for event in span.get("events") or ():
                            attributes(event.get("attributes"))
    return decoded


def run(args: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one child process."""
    started = time.perf_counter()
    child = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode not in (0,):
        err = child.stderr.read().decode() if child.stderr else ""
        raise SystemExit(f"{args}: exit {child.returncode}\n{err[-2000:]}")
    if child.stderr:
        child.stderr.close()
    return wall, usage.ru_maxrss / 1024


def export(megabytes: float, document: bool) -> Path:
    """The generated export, cached in bench/data (gitignored): generating 100 MB takes a few seconds."""
    DATA.mkdir(exist_ok=True)
    path = DATA / f"otlp_{megabytes:g}mb.{'json' if document else 'jsonl'}"
    if not path.exists():
        write_export(path, megabytes, document=document)
    return path


def importing(path: Path, scratch: Path) -> tuple[float, float]:
    out = scratch / "fixtures"
    try:
        return run([str(CLI), "import-trace", str(path), "--out", str(out), "-q"])
    finally:
        shutil.rmtree(out, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=100.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="20 MB, one round")
    parser.add_argument("--baseline", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.baseline:
        baseline(args.baseline)
        return
    if args.quick:
        args.mb, args.rounds = 20.0, 1
    big = export(args.mb, document=False)
    half = export(args.mb / 2, document=False)
    doc = export(args.mb, document=True)
    size = big.stat().st_size / 1e6
    floor_cmd = [sys.executable, "-c", "import pytest_agenttrace.cli.import_trace, orjson"]
    base_cmd = [sys.executable, __file__, "--baseline", str(big)]
    rows: dict[str, list[tuple[float, float]]] = {
        k: [] for k in ("floor", "baseline", "import", "half", "doc")
    }
    with tempfile.TemporaryDirectory() as folder:
        scratch = Path(folder)
        for _ in range(args.rounds):
            rows["floor"].append(run(floor_cmd))
            rows["baseline"].append(run(base_cmd))
            rows["import"].append(importing(big, scratch))
            rows["half"].append(importing(half, scratch))
            rows["doc"].append(importing(doc, scratch))

    def med(key: str, i: int) -> float:
        return statistics.median(r[i] for r in rows[key])

    floor = med("floor", 1)
    base_mbs = size / med("baseline", 0)
    imp_mbs = size / med("import", 0)
    print(f"export: {big.name} {size:.1f} MB; {args.rounds} interleaved rounds, medians (min-max)")
    for key, label, file in (
        ("baseline", "baseline: orjson lines + nested JSON decode", big),
        ("import", "agenttrace import-trace (JSONL)", big),
        ("half", "agenttrace import-trace (JSONL, half size)", half),
        ("doc", "agenttrace import-trace (one JSON document)", doc),
    ):
        walls = [r[0] for r in rows[key]]
        mb = file.stat().st_size / 1e6
        above = "" if key == "baseline" else f" (+{med(key, 1) - floor:.1f})"
        print(
            f"  {label:<46} {med(key, 0):6.2f} s ({min(walls):.2f}-{max(walls):.2f})"
            f"  {mb / med(key, 0):6.1f} MB/s  peak {med(key, 1):6.1f} MiB{above}"
        )
    print(f"  floor (imports only)                           peak {floor:6.1f} MiB")
    print(f"import throughput / baseline: {imp_mbs / base_mbs:.2f} (target >= 0.50)")
    worst = max(med(k, 1) for k in ("import", "half", "doc")) - floor
    print(
        f"import peak above floor: {worst:.1f} MiB at most (target < 150 MiB, at {size / 2:.0f} and {size:.0f} MB)"
    )


if __name__ == "__main__":
    main()
