"""The command-line options, checked once: a bad value is a ``pytest.UsageError`` listing the valid ones.

Precedence for drift, as pytest-recording documents for its own settings: the command line, then the
``agenttrace_drift`` ini key, then ``drift`` in ``[tool.agenttrace]``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal, cast

import pytest

from ..config import Config

DRIFT_MODES = ("warn", "fail", "off")
LIVE_MODES = ("off", "model")


@dataclass(frozen=True)
class Options:
    update: bool
    drift: Literal["warn", "fail", "off"]
    live_model: bool
    repeat: int
    pass_rate: float
    verbose: bool
    #: ``--agenttrace-html=DIR``: where to write a page per failed replay (None: no pages).
    html: Path | None = None
    #: ``--agenttrace-fuzz-seed=N``: the seed of every ``expect.fuzz`` run (None: the fixture's own).
    fuzz_seed: int | None = None


def _choice(value: str, valid: tuple[str, ...], option: str) -> str:
    if value not in valid:
        raise pytest.UsageError(f"{option}: invalid value {value!r}; valid values: {', '.join(valid)}")
    return value


def _repeat(text: str | None) -> int:
    if text is None:
        return 1
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise pytest.UsageError(f"--agenttrace-repeat: invalid value {text!r}; valid values: an integer >= 1")
    return value


def _seed(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        return int(text)
    except ValueError:
        raise pytest.UsageError(
            f"--agenttrace-fuzz-seed: invalid value {text!r}; valid values: an integer"
        ) from None


def _rate(text: str | None) -> float:
    if text is None:
        return 1.0
    try:
        value = float(text[:-1]) / 100 if text.endswith("%") else float(text)
    except ValueError:
        value = -1.0
    if not 0.0 <= value <= 1.0:
        raise pytest.UsageError(
            f"--agenttrace-pass-rate: invalid value {text!r}; valid values: a number from 0 to 1, or a percentage "
            "such as 80%"
        )
    return value


def read_options(config: pytest.Config, settings: Config) -> Options:
    drift = config.getoption("agenttrace_drift")
    if drift is not None:
        drift = _choice(drift, DRIFT_MODES, "--agenttrace-drift")
    else:
        ini = config.getini("agenttrace_drift")
        drift = _choice(ini, DRIFT_MODES, "agenttrace_drift (ini)") if ini else settings.drift
    live = _choice(config.getoption("agenttrace_live") or "off", LIVE_MODES, "--agenttrace-live")
    return Options(
        update=bool(config.getoption("agenttrace_update")),
        drift=cast(Literal["warn", "fail", "off"], drift),
        live_model=live == "model",
        repeat=_repeat(config.getoption("agenttrace_repeat")),
        pass_rate=_rate(config.getoption("agenttrace_pass_rate")),
        verbose=config.get_verbosity() > 0,
        html=_html_dir(config),
        fuzz_seed=_seed(config.getoption("agenttrace_fuzz_seed")),
    )


def _html_dir(config: pytest.Config) -> Path | None:
    """``--agenttrace-html`` made absolute against the folder pytest was started in."""
    value = config.getoption("agenttrace_html")
    if not value:
        return None
    return Path(config.invocation_params.dir) / str(value)
