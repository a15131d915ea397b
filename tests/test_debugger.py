"""A designer attaches VS Code or PyCharm to the running game and stops at a breakpoint in
an NPC script.

``aicore host --debug PORT`` makes the runtime listen (debugpy) for a Debug Adapter
Protocol client on 127.0.0.1:PORT. This test is the IDE: it connects to that TCP port and
speaks DAP itself. Every message, either way, is one frame::

    Content-Length: <n>\\r\\n
    \\r\\n
    <n bytes of UTF-8 JSON>

The JSON is a request (``{"seq", "type": "request", "command", "arguments"}``), a response
(``{"type": "response", "request_seq", "success", "command", "body"}``) or an event
(``{"type": "event", "event", "body"}``).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

SCRIPT = """\
from engine_bridge.api import Npc


class Lamplighter(Npc):
    kind = "townsfolk"
    decision_rate = 10.0

    def on_tick(self, dt: float) -> None:
        lit = self.recall("lit", 0) + 1
        self.remember("lit", lit)  # breakpoint
"""
BREAKPOINT_LINE = next(
    number for number, line in enumerate(SCRIPT.splitlines(), 1) if "# breakpoint" in line
)
CONNECT_TIMEOUT_S = 20.0  # the host starts Python, loads the content and the scripts first
STOP_TIMEOUT_S = 30.0

Message = dict[str, Any]


class DapClient:
    """The IDE's side of a Debug Adapter Protocol session over one TCP connection."""

    def __init__(self, connection: socket.socket) -> None:
        self._socket = connection
        self._buffer = b""
        self._seq = 0
        self.received: list[Message] = []

    @classmethod
    @contextlib.contextmanager
    def connect(cls, port: int, timeout_s: float) -> Iterator[DapClient]:
        """Connect as soon as the host listens; it needs a few seconds to start."""
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                connection = socket.create_connection(("127.0.0.1", port), timeout=1.0)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        with connection:
            yield cls(connection)

    def send(self, command: str, **arguments: Any) -> int:
        self._seq += 1
        body = json.dumps(
            {"seq": self._seq, "type": "request", "command": command, "arguments": arguments}
        ).encode()
        self._socket.sendall(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        return self._seq

    def wait_for(self, what: Callable[[Message], bool], timeout_s: float = 10.0) -> Message:
        """The next message ``what`` accepts; the ones before it are kept in ``received``."""
        deadline = time.monotonic() + timeout_s
        while True:
            message = self._read(deadline)
            self.received.append(message)
            if what(message):
                return message

    def response(self, seq: int, timeout_s: float = 10.0) -> Message:
        message = self.wait_for(
            lambda m: m["type"] == "response" and m["request_seq"] == seq, timeout_s
        )
        assert message["success"], message
        return message

    def event(self, name: str, timeout_s: float = 10.0) -> Message:
        return self.wait_for(lambda m: m["type"] == "event" and m["event"] == name, timeout_s)

    def _read(self, deadline: float) -> Message:
        while b"\r\n\r\n" not in self._buffer:
            self._receive(deadline)
        header, self._buffer = self._buffer.split(b"\r\n\r\n", 1)
        fields = dict(line.split(b":", 1) for line in header.split(b"\r\n"))
        length = int(fields[b"Content-Length"])
        while len(self._buffer) < length:
            self._receive(deadline)
        body, self._buffer = self._buffer[:length], self._buffer[length:]
        return json.loads(body)

    def _receive(self, deadline: float) -> None:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"no DAP message in time; received so far: {self.received}")
        self._socket.settimeout(left)
        try:
            chunk = self._socket.recv(65536)
        except TimeoutError:
            raise TimeoutError(f"no DAP message in time; received: {self.received}") from None
        if not chunk:
            raise ConnectionError(f"the debug server hung up; received: {self.received}")
        self._buffer += chunk


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _stop(host: subprocess.Popen[bytes]) -> None:
    """Ctrl-C for the whole process group (``aicore`` and ``aicore-host``), then a kill."""
    if host.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(host.pid, signal.SIGINT)
        with contextlib.suppress(subprocess.TimeoutExpired):
            host.wait(timeout=15)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(host.pid, signal.SIGKILL)  # anything left of the group, the host included
    host.wait(timeout=15)


@pytest.mark.slow
def test_a_breakpoint_in_an_npc_script_stops_the_running_game_in_on_tick(
    venv_bin: Path, clean_env: dict[str, str], tmp_path: Path
) -> None:
    scripts = tmp_path / "scripts"
    scripts.mkdir()
    script = scripts / "lamplighter.py"
    script.write_text(SCRIPT)
    port = _free_port()
    log = tmp_path / "host.log"
    command = [
        str(venv_bin / "aicore"),
        "host",
        "--debug",
        str(port),
        "--realtime",
        "--frames",
        "1200",
        "--npcs",
        "5",
        "--kinds",
        "townsfolk",
        "--scripts",
        str(scripts),
        "--save",
        str(tmp_path / "save"),
    ]
    with log.open("wb") as output:
        # A session of its own, so the host and its children can be stopped as one group.
        host = subprocess.Popen(
            command,
            stdout=output,
            stderr=subprocess.STDOUT,
            env=clean_env,
            cwd=tmp_path,
            start_new_session=True,
        )

    def host_log() -> str:
        return log.read_text(errors="replace")

    failure: OSError | None = None
    try:
        try:
            stop = _stop_at_breakpoint(port, script)
        except OSError as exc:  # refused, timed out or hung up: the host's output says why
            failure = exc
        else:
            time.sleep(0.5)  # the game runs on after the debugger left
            ran_on = host.poll() is None
    finally:
        _stop(host)
    report = host_log()
    if failure is not None:
        pytest.fail(f"the debug session failed: {failure}\n--- aicore host ---\n{report}")

    assert stop.reason == "breakpoint"
    assert stop.function == "on_tick"
    assert stop.path.resolve() == script.resolve()
    assert stop.line == BREAKPOINT_LINE
    assert stop.kind == "'townsfolk'"  # the designer can look at the NPC while it stands
    assert ran_on, report
    assert host.returncode == 130, report  # stopped by Ctrl-C, as a shell reports it
    # The pause at the breakpoint was not taken for a runaway script.
    assert "script errors: 0" in report, report


@dataclass(frozen=True)
class Stop:
    """Where the game stood still, as the IDE shows it."""

    reason: str
    function: str
    path: Path
    line: int
    kind: str  # ``self.kind`` evaluated in the stopped frame


def _stop_at_breakpoint(port: int, script: Path) -> Stop:
    """Attach as VS Code does, stop once at the breakpoint, look around, then let go."""
    with DapClient.connect(port, CONNECT_TIMEOUT_S) as ide:
        ide.response(
            ide.send(
                "initialize",
                clientID="aicore-tests",
                adapterID="debugpy",
                pathFormat="path",
                linesStartAt1=True,
                columnsStartAt1=True,
            )
        )
        # What VS Code's "Python: Attach" sends; the reply comes after configurationDone.
        attach = ide.send("attach", justMyCode=True)
        ide.event("initialized")
        placed = ide.response(
            ide.send(
                "setBreakpoints",
                source={"path": str(script)},
                breakpoints=[{"line": BREAKPOINT_LINE}],
            )
        )
        assert placed["body"]["breakpoints"][0]["verified"], placed
        ide.response(ide.send("configurationDone"))
        ide.response(attach)

        stopped = ide.event("stopped", STOP_TIMEOUT_S)["body"]
        thread = stopped["threadId"]
        trace = ide.response(ide.send("stackTrace", threadId=thread, levels=5))
        top = trace["body"]["stackFrames"][0]
        kind = ide.response(
            ide.send("evaluate", expression="self.kind", frameId=top["id"], context="watch")
        )

        ide.response(ide.send("setBreakpoints", source={"path": str(script)}, breakpoints=[]))
        ide.response(ide.send("continue", threadId=thread))
        ide.response(ide.send("disconnect", terminateDebuggee=False))
    return Stop(
        reason=stopped["reason"],
        function=top["name"],
        path=Path(top["source"]["path"]),
        line=top["line"],
        kind=kind["body"]["result"],
    )
