"""The Quick start demo: a real failed production trace becomes a fixture you can read.

Run from the repository root after installing (the README's first command does both):

    .venv/bin/python examples/demo.py

It imports the OpenTelemetry GenAI export of a failed refund run (the agent refunded $850 without asking
for approval and the refund tool raised), shows the redaction summary and the fixture's timeline, and
validates it, printing each command before it runs so you can run them yourself.
"""

from __future__ import annotations

import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
TRACE = HERE / "traces" / "refund_tool_error.otlp.json"


def heading(text: str) -> None:
    print(f"\n\033[1m== {text}\033[0m" if sys.stdout.isatty() else f"\n== {text}", flush=True)


def run(*args: str) -> None:
    command = [str(BIN / "agenttrace"), *args]
    print("$ agenttrace " + " ".join(shlex.quote(a) for a in args), flush=True)
    result = subprocess.run(command, check=False)
    if result.returncode != 0:
        sys.exit(result.returncode)


def main() -> None:
    out = Path(tempfile.mkdtemp(prefix="agenttrace-demo-")) / "fixtures"
    heading("1. Import the failed production trace (redacted on the way in)")
    run("import-trace", str(TRACE), "--out", str(out), "--name", "refund-without-approval")
    fixture = out / "refund-without-approval.trace.json"
    heading("2. The run as a timeline")
    run("show", str(fixture))
    heading("3. The fixture is valid and ready to commit")
    run("validate", str(out))
    print(f"\nThe fixture is at {fixture}")


if __name__ == "__main__":
    main()
