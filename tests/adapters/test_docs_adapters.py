"""Every Python example in docs/adapters.md runs, offline, against the fixture it names."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pytest_agenttrace.store import save_fixture

from ._agent import refund_fixture

DOC = Path(__file__).parents[2] / "docs" / "adapters.md"
BLOCKS = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)


def test_the_doc_has_an_example_for_each_adapter() -> None:
    text = "\n".join(BLOCKS)
    for needle in ("openai.OpenAI()", "anthropic.Anthropic()", "replay_langchain", "replay_agents"):
        assert needle in text


@pytest.mark.parametrize("code", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_doc_example_runs(code: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    save_fixture(refund_fixture(), tmp_path / "fixtures" / "refund-ok.trace.json")
    monkeypatch.chdir(tmp_path)
    exec(compile(code, str(DOC), "exec"), {"__name__": "docs_example"})
