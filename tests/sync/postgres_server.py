"""A real PostgreSQL server for the tests, made from the Debian package's binaries
(``tools/install_system_packages.sh`` installs ``postgresql``): a fresh cluster in a
temporary folder, trust authentication, listening on a free port of 127.0.0.1 and on a
socket in that folder. Nothing of the machine's own PostgreSQL (its clusters, its
service) is used or touched.

PostgreSQL refuses to run as root, and the tests often run as root (containers, CI): then
every server command runs as the ``postgres`` user the package creates (``runuser``), or
as ``nobody`` when there is no such user; the folder is given to that user.

Every failure is a :class:`PostgresServerError` with the command, its output and the end
of the server's log: the tests fail with it (they never skip: the PostgreSQL store is
tested against a real server or not at all).
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

__all__ = ["PostgresServer", "PostgresServerError", "find_bin_dir"]

PACKAGE_BINARIES = Path("/usr/lib/postgresql")
COMMAND_TIMEOUT_S = 120
SUPERUSER = "postgres"


class PostgresServerError(RuntimeError):
    """The test server could not be made, started or stopped; the message says why."""


def find_bin_dir(root: Path = PACKAGE_BINARIES) -> Path:
    """The newest ``/usr/lib/postgresql/<major>/bin`` that has ``initdb`` and ``pg_ctl``."""
    found = [
        d / "bin"
        for d in root.glob("*")
        if re.fullmatch(r"\d+", d.name) and (d / "bin/initdb").exists()
    ]
    found = [b for b in found if (b / "pg_ctl").exists()]
    if not found:
        raise PostgresServerError(
            f"no PostgreSQL server binaries under {root}/<major>/bin (initdb, pg_ctl): "
            "install them with tools/install_system_packages.sh (make setup), which adds "
            "the Debian package postgresql"
        )
    return max(found, key=lambda b: int(b.parent.name))


def _server_user() -> str | None:
    """Who runs the server: None for the current user, unless that is root."""
    if os.geteuid() != 0:
        return None
    for name in (SUPERUSER, "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    raise PostgresServerError(
        "running as root and neither a 'postgres' nor a 'nobody' user exists: PostgreSQL "
        "refuses to run as root (the Debian package postgresql creates 'postgres')"
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PostgresServer:
    """One throw-away cluster. :meth:`create` makes and starts it; :meth:`destroy` stops it
    and removes its folder. :meth:`stop`, :meth:`start` and :meth:`restart` are for tests
    of a server that goes away under load: the port stays the same."""

    def __init__(self, bin_dir: Path, root: Path, user: str | None, port: int) -> None:
        self.bin_dir = bin_dir
        self.root = root
        self.user = user
        self.port = port
        self.data = root / "data"
        self.sockets = root / "sockets"
        self.log = root / "postgres.log"

    @classmethod
    def create(cls) -> PostgresServer:
        """initdb a cluster in a new temporary folder and start it."""
        bin_dir = find_bin_dir()
        user = _server_user()
        # Not pytest's tmp_path: its parents are private to root, the server user must
        # reach its folder. mkdtemp makes it 0700; it is handed to that user.
        root = Path(tempfile.mkdtemp(prefix="aicore-pg-"))
        server = cls(bin_dir, root, user, _free_port())
        try:
            server.sockets.mkdir()
            if user is not None:
                for path in (root, server.sockets):
                    shutil.chown(path, user, user)
            server._run(
                "initdb",
                "--pgdata",
                str(server.data),
                "--auth=trust",
                f"--username={SUPERUSER}",
                "--encoding=UTF8",
                "--locale=C",
                # Only initdb's own final flush of the template files is skipped; the
                # server itself runs with fsync on, as in production.
                "--no-sync",
            )
            server.start()
        except BaseException:
            server.destroy()
            raise
        return server

    def conninfo(self, dbname: str = "postgres") -> str:
        """The libpq URL of database ``dbname`` (what ``open_store`` takes)."""
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{dbname}"

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        options = " ".join(
            [
                f"-c port={self.port}",
                "-c listen_addresses=127.0.0.1",
                f"-c unix_socket_directories={self.sockets}",
                "-c max_connections=100",
                "-c shared_buffers=64MB",
                "-c fsync=on",
                "-c synchronous_commit=on",
            ]
        )
        self._run(
            "pg_ctl",
            "start",
            "--pgdata",
            str(self.data),
            "--log",
            str(self.log),
            "--wait",
            f"--timeout={COMMAND_TIMEOUT_S}",
            "-o",
            options,
        )

    def stop(self) -> None:
        """Stop the server (fast: open transactions are rolled back, clients cut off)."""
        self._run(
            "pg_ctl",
            "stop",
            "--pgdata",
            str(self.data),
            "--mode=fast",
            "--wait",
            f"--timeout={COMMAND_TIMEOUT_S}",
        )

    def restart(self) -> None:
        """Stop, then start again on the same port."""
        self.stop()
        self.start()

    def is_running(self) -> bool:
        """Whether ``pg_ctl status`` finds the server running."""
        status = self._command("pg_ctl", "status", "--pgdata", str(self.data))
        return status.returncode == 0

    def create_database(self, name: str) -> str:
        """Create database ``name`` (an identifier) and return its URL."""
        if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
            raise ValueError(f"database name {name!r}: lower-case letters, digits, _")
        self._run("psql", *self._psql_target(), "-c", f"CREATE DATABASE {name}")
        return self.conninfo(name)

    def drop_database(self, name: str) -> None:
        """Drop database ``name``, cutting off any session still connected to it."""
        self._run("psql", *self._psql_target(), "-c", f"DROP DATABASE {name} WITH (FORCE)")

    def destroy(self) -> None:
        """Stop the server if it runs and remove its folder."""
        try:
            if self.data.exists() and self.is_running():
                try:
                    self.stop()
                except PostgresServerError:
                    # Never leave a server behind: stop it without its shutdown checkpoint.
                    self._run("pg_ctl", "stop", "--pgdata", str(self.data), "--mode=immediate")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def _psql_target(self) -> list[str]:
        return [
            "--no-psqlrc",
            "--set=ON_ERROR_STOP=1",
            f"--host={self.sockets}",
            f"--port={self.port}",
            f"--username={SUPERUSER}",
            "--dbname=postgres",
        ]

    def _command(self, program: str, *args: str) -> subprocess.CompletedProcess[str]:
        argv = [str(self.bin_dir / program), *args]
        if self.user is not None:
            argv = ["runuser", "-u", self.user, "--", *argv]
        # The server must not inherit the tests' PG* settings (a PGDATABASE, a PGHOST).
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env["LC_ALL"] = "C"
        return subprocess.run(
            argv,
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT_S,
            cwd=self.root,
            env=env,
            check=False,
        )

    def _run(self, program: str, *args: str) -> None:
        try:
            done = self._command(program, *args)
        except (OSError, subprocess.TimeoutExpired) as e:
            raise PostgresServerError(f"{program} {' '.join(args)}: {e}{self._log_tail()}") from e
        if done.returncode != 0:
            raise PostgresServerError(
                f"{program} {' '.join(args)} exited {done.returncode}\n"
                f"stdout: {done.stdout.strip()}\nstderr: {done.stderr.strip()}{self._log_tail()}"
            )

    def _log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log.read_text(errors="replace")
        except OSError:
            return ""
        return "\nserver log (end):\n" + "\n".join(text.splitlines()[-lines:])
