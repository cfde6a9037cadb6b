"""`fit -m gru --seed 1` twice gives the same JSON once the `timing` key is dropped (issue #17):
wall-clock measurements live under `timing` only."""

from __future__ import annotations

import json
from typing import Any

from ...conftest import SAMPLES

ARGS = ("fit", str(SAMPLES / "airpassengers.csv"), "-m", "gru", "--seed", "1", "-f", "json")
ARGS += ("-p", "epochs=3", "-p", "device=cpu", "-q")


def _without_timing(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _without_timing(v) for k, v in node.items() if k != "timing"}
    if isinstance(node, list):
        return [_without_timing(v) for v in node]
    return node


def test_same_seed_same_json_but_timing(cli) -> None:
    first, second = cli(*ARGS), cli(*ARGS)
    assert first.code == second.code == 0, first.stderr
    a, b = json.loads(first.stdout), json.loads(second.stdout)
    assert "train_seconds" not in json.dumps(a["model"]["fit"])
    assert a["model"]["timing"]["train_seconds"] >= 0
    assert _without_timing(a) == _without_timing(b)
