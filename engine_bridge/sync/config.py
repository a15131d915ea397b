"""What the sync client is told: where the gateway is, which keys to use, and its
reliability constants (``docs/sync.md``, "The sync client", says why each is what it is).

The keys come either as a folder (``keys_dir``: the gateway's public key
``gateway.key`` and this game's key pair ``<name>.key_secret``, the only other secret
key file there, as ``zmq.auth.create_certificates(folder, name)`` writes them) or as two
files. The key name (the ``<name>`` of ``"<name>/<stream id>"``) is the stem of the
client's key file: the name the gateway's allow-list knows the key by.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from engine_bridge.sync.frames import MAX_FRAMES, MAX_MESSAGE_BYTES
from engine_bridge.sync.keys import KeyFileError

__all__ = ["GATEWAY_KEY_FILE", "PUBLISHER_KEY_SUFFIX", "SyncConfig", "SyncTuning"]

GATEWAY_KEY_FILE = "gateway.key"
"""The gateway's public key in a keys folder."""
PUBLISHER_KEY_SUFFIX = ".ed25519.pub"
"""A content publisher's public key file (``content_signing.PUBLIC_SUFFIX``: named here
too, so that reading a config imports no signing code)."""
_SECRET_SUFFIX = ".key_secret"


@dataclass(frozen=True, slots=True)
class SyncTuning:
    """The client's reliability constants. The defaults suit a game on a home network;
    tests shrink the times."""

    batch_frames: int = 256
    """Outbox events in one message at most: a frame's worth of a busy game in one
    round trip, and one gateway transaction."""
    window: int = 4
    """Messages sent and not yet acknowledged at most: enough to keep the link busy
    while the gateway commits, few enough that a reconnect resends little."""
    max_message_bytes: int = MAX_MESSAGE_BYTES
    """A message is cut before it would pass this (the gateway refuses larger ones)."""
    heartbeat_s: float = 1.0
    """The heartbeat until the gateway's ``sync.welcome`` gives its own."""
    missed_heartbeats: int = 3
    """The gateway is dead after this many heartbeats of silence, or a welcome or an
    acknowledgement this late: one lost ping is not an outage, three are."""
    backoff_initial_s: float = 0.5
    """The first retry's wait (``backoff.py``); it doubles with each failed try."""
    backoff_cap_s: float = 30.0
    """The longest wait between tries: a game back online syncs within half a minute."""
    retry_after_max_s: float = 300.0
    """The most a gateway's ``retry_after_ms`` is obeyed (a bound on its mistakes)."""
    poll_s: float = 0.05
    """How often the client thread looks for newly committed events and its stop flag
    when nothing else wakes it: 50 ms is well under a heartbeat and costs one integer
    read (the outbox is read only when the store committed something)."""
    heartbeat_range_s: tuple[float, float] = (0.05, 60.0)
    """The heartbeats a welcome may set: a gateway's typo must not make the client ping
    in a busy loop, or never notice a dead gateway."""
    request_timeout_s: float = 10.0
    """A cloud save or content request unanswered this long (beyond the time its file is
    given to travel) is given up: its connection dropped, tried again after a backoff."""
    transfer_bytes_per_s: float = 256 * 1024
    """The slowest uplink a file is given time for: a 16 MiB save gets 64 s more than
    :attr:`request_timeout_s` (a home uplink of 2 Mbit/s)."""
    pull_timeout_s: float = 60.0
    """The longest a pull through the runtime (``aicore_saves_pull``) waits: to get
    online, then for the save to come down and be checked and written."""
    content_fetch_every_s: float = 1800.0
    """How often to ask for a newer content bundle besides at each connection: a release
    reaches a game that stays online within half an hour; a check costs one small
    round trip."""

    def __post_init__(self) -> None:
        if not 1 <= self.batch_frames <= MAX_FRAMES:
            raise ValueError(f"batch_frames must be 1..{MAX_FRAMES}, not {self.batch_frames}")
        if self.window < 1 or self.missed_heartbeats < 1:
            raise ValueError("window and missed_heartbeats must be at least 1")
        times = (
            self.heartbeat_s,
            self.backoff_initial_s,
            self.backoff_cap_s,
            self.poll_s,
            self.request_timeout_s,
            self.transfer_bytes_per_s,
            self.pull_timeout_s,
            self.content_fetch_every_s,
        )
        if not all(t > 0 for t in times):
            raise ValueError("every time and rate of SyncTuning is > 0")


@dataclass(frozen=True, slots=True)
class SyncConfig:
    """Where the gateway is and how to prove who we are: ``endpoint`` (a ZeroMQ endpoint,
    ``tcp://gateway.example:7700``, or several separated by commas: :attr:`endpoints`)
    and either ``keys_dir`` or both ``gateway_key`` and ``client_key`` (a ``.key_secret``
    file; the other two win over the folder). ``publisher_key``: the content publisher's
    public key (``<name>.ed25519.pub``) to verify pushed content bundles with; without it,
    the one such file in ``keys_dir`` if there is one; with neither, the client fetches
    no content."""

    endpoint: str
    keys_dir: Path | None = None
    gateway_key: Path | None = None
    client_key: Path | None = None
    tuning: SyncTuning = field(default_factory=SyncTuning)
    publisher_key: Path | None = None

    def __post_init__(self) -> None:
        for one in self.endpoints:
            if "://" not in one:
                raise ValueError(
                    f"endpoint {one!r} is not transport://address "
                    f"(several gateways: separated by commas, in {self.endpoint!r})"
                )
        if self.keys_dir is None and (self.gateway_key is None or self.client_key is None):
            raise ValueError("give keys_dir, or both gateway_key and client_key")

    @property
    def endpoints(self) -> tuple[str, ...]:
        """The gateways ``endpoint`` names, in its order: gateways sharing one database
        (``docs/sync.md``, "Scale-out"). The client starts at a random one of them
        (spreading the games over the gateways) and keeps to it while it answers; when a
        connection is given up, the next try goes to the next one, round the list."""
        return tuple(part.strip() for part in self.endpoint.split(","))

    def key_files(self) -> tuple[Path, Path]:
        """(the gateway's public key file, the client's secret key file).

        Raises:
            KeyFileError: the folder is missing, or holds no client key, or several.
        """
        gateway, client = self.gateway_key, self.client_key
        if gateway is not None and client is not None:
            return Path(gateway), Path(client)
        assert self.keys_dir is not None  # __post_init__
        folder = Path(self.keys_dir)
        if not folder.is_dir():
            raise KeyFileError(folder, "no such folder")
        if gateway is None:
            gateway = folder / GATEWAY_KEY_FILE
        if client is None:
            gateway_secret = Path(GATEWAY_KEY_FILE).stem + _SECRET_SUFFIX
            found = sorted(p for p in folder.glob(f"*{_SECRET_SUFFIX}") if p.name != gateway_secret)
            if len(found) != 1:
                names = ", ".join(p.name for p in found) or "none"
                raise KeyFileError(
                    folder,
                    f"needs exactly one <name>{_SECRET_SUFFIX} (the game's key), has {names}",
                )
            client = found[0]
        return Path(gateway), Path(client)

    def publisher_key_file(self) -> Path | None:
        """The content publisher's public key file: :attr:`publisher_key`, else the only
        ``*.ed25519.pub`` of :attr:`keys_dir`; None when there is none (or several)."""
        if self.publisher_key is not None:
            return Path(self.publisher_key)
        if self.keys_dir is None:
            return None
        try:
            found = sorted(Path(self.keys_dir).glob(f"*{PUBLISHER_KEY_SUFFIX}"))
        except OSError:
            return None
        return found[0] if len(found) == 1 else None
