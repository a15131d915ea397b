"""``aicore gateway`` is the gateway's own command line behind the game's CLI: its words
reach ``aicore-gateway`` as they are, and a real gateway it starts stops cleanly."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from engine_bridge.tooling.cli import main


def test_the_words_after_gateway_are_the_gateway_s_own(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as done:  # argparse's --help
        main(["gateway", "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: aicore-gateway")
    assert "--store" in out


def test_aicore_gateway_serves_and_stops_on_sigterm(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    assert main(["keys", "new", "gateway", "--dir", str(keys)]) == 0
    store = f"sqlite:{tmp_path / 'gw.db'}"
    aicore = [sys.executable, "-m", "engine_bridge.tooling.cli"]
    with subprocess.Popen(
        [*aicore, "gateway", "--bind", "tcp://127.0.0.1:*", "--store", store, "--keys", str(keys)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    ) as process:
        try:
            assert process.stdout is not None
            listening = json.loads(process.stdout.readline())
            assert listening["event"] == "listening"
            assert listening["bind"].startswith("tcp://127.0.0.1:")
            process.send_signal(signal.SIGTERM)
            assert process.wait(60) == 0
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
