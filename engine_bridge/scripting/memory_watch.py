"""Per-script memory accounting: a census of what each script keeps, taken between frames a
bounded slice at a time, and the quarantine of a script whose memory runs away. (About 500
lines, one concept: the census's walk and its budget are one algorithm.)

Why a census of the object graph, not ``tracemalloc``: tracing hooks every allocation of
the process, the engine's own included, inside handlers too. On the 1 000-NPC mixed town
of ``tests/bench/test_bench_frame.py`` it made the median frame 7 times dearer (0.55 ms
to 3.7-4.5 ms under ``tracemalloc.start(1)``), and one snapshot to read the figures took
0.45 s — a cost paid in every frame to learn something that changes over seconds. A census
costs nothing while handlers run, and its cost between frames is a number of objects we
choose.

What a census measures, for each script (``npc_scripts.<stem>``):

* each of its NPCs: the NPC object, its attributes and its
  ``remember``/``recall`` memory (what the memory store keeps of it in Python:
  ``NpcMemory.view(slot)``);
* its module: the module's globals and the data attributes of the classes it defines
  (functions, classes, modules and dunder names are code, not data, and are left out).

From those roots it follows lists, tuples, dicts, sets, deques, and the attributes of
objects whose class a script defines (and of :class:`~engine_bridge.api.Event`, which
scripts keep in histories); everything else counts its own ``sys.getsizeof`` only. That
rule keeps the walk inside what the script owns: an NPC's ``_services``, a logger, a
numpy view over the engine's world are the runtime's, and following them would charge the
whole game to whichever script mentioned them first. Another NPC is never followed either
(it is charged to its own script). Each object is counted once per census (a visited set
of ids), charged to the first script that reaches it; an object that dies during a census
may lend its id to a new one, which that census then skips — a few bytes, never a trend.
Attributes are read through ``gc.get_referents``, never ``__dict__`` (see
:func:`_attributes_of`), and no method a script could define is ever called: the census
runs outside every budget, so a script's ``__sizeof__`` or ``__len__`` must not run in it.

A container wider than ``MemoryLimits.sample`` items is measured through ``sample`` of
them, evenly spread for sequences, the first ones for dicts and sets, and the rest
estimated from them: a history of a million entries costs as much to measure as one of
``sample``, and the estimate grows with its length, which is what finding a leak needs.

The census is paced by work and frames, never by the clock: at most
``objects_per_frame`` objects a frame (a census of a big town spans many frames and
resumes where it stopped), and a new census at most every ``census_every_frames`` frames.
The same frames therefore always give the same figures, on any machine. In the 1 000-NPC
mixed town a step of 128 objects takes about 60-100 µs (``tests/bench/test_bench_frame.py``
``test_memory_census_step_in_a_town_of_1000``) and a census about 100 frames (10 000
NPCs: about 1 000 frames, so a leak there is judged over minutes; the cap still holds).

When a census ends, each script's bytes go to its :class:`ScriptProfile` (and so to
``runtime.profile()``), and a script is quarantined — its NPCs fall back, its module hooks
stop, it is reported once with its file and the figures — when

* its bytes pass ``limit_bytes`` (64 MiB): the process is in danger whatever the cause.
  Checked as the census goes, not only at its end: what it counted so far is a lower
  bound; or
* it grew at each of the last ``growth_censuses`` censuses (8) while its NPCs stayed as
  many, to ``growth_factor`` (4) times its settled size (the least it measured since its
  population last changed) and by at least ``growth_floor_bytes`` (1 MiB): a leak, caught
  long before the cap. A spawn or despawn restarts that count, since more NPCs is not a
  leak; state that grows to a bound (a ``deque(maxlen=...)``) stops growing, and so stops
  counting, when it reaches it; or
* its module's own data (globals, class attributes) grew the same way, whatever its NPCs
  did: spawns do not change it, so a module-level leak is found in a game whose NPCs come
  and go. (An NPC's own state cannot outlive the NPC; under churn, only the cap holds it.)

Saving the script again lifts the quarantine, as for failures.
"""

from __future__ import annotations

import gc
import logging
import sys
import types
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import TYPE_CHECKING, Any

from engine_bridge.api import Event, Npc
from engine_bridge.core.script_profile import ScriptProfile

if TYPE_CHECKING:
    from engine_bridge.core.scheduler import Scheduler
    from engine_bridge.scripting.script_host import ScriptHost

__all__ = ["MemoryLimits", "MemoryReport", "MemoryWatch"]

log = logging.getLogger("aicore.memory")

_MIB = 1 << 20

# Counted, never followed: they hold no references a script could grow through.
_LEAVES: frozenset[type] = frozenset(
    {str, bytes, int, float, bool, complex, type(None), range, bytearray, memoryview}
)
# Never counted nor followed: code and shared structure, not a script's data.
_CODE = (
    types.ModuleType,
    type,
    types.FunctionType,
    types.BuiltinFunctionType,
    types.MethodType,
    types.CodeType,
    property,
    staticmethod,
    classmethod,
    Npc,
)
# Sized by sys.getsizeof as they are: their __sizeof__ is CPython's, never a script's.
_TRUSTED = _LEAVES | {dict, list, tuple, set, frozenset, deque}
_BUILTIN_METHODS = (types.MethodDescriptorType, types.WrapperDescriptorType)


@dataclass(frozen=True)
class MemoryLimits:
    """How much a script may keep, and how the census is paced (docs/designers.md)."""

    limit_bytes: int = 64 * _MIB  # a script past this is quarantined at once
    growth_factor: float = 4.0  # ...or past this multiple of its settled size
    growth_floor_bytes: int = 1 * _MIB  # ...having grown by at least this much
    growth_censuses: int = 8  # ...at each of this many censuses in a row
    census_every_frames: int = 120  # a new census starts at most this often (2 s: frame.py)
    objects_per_frame: int = 128  # the census's work between two frames (about 80 µs)
    sample: int = 32  # items of a wide container measured; the rest estimated from them


@dataclass(frozen=True)
class MemoryReport:
    """A script quarantined for its memory: who, where, the figures and why."""

    script: str
    file: str | None
    bytes: int  # attributed to the script by the census that decided
    growth_bytes: int  # over its settled size
    reason: str  # "limit" or "growth"
    frame: int  # the frame the census ended on


@dataclass
class _History:
    """One script's recent censuses, for telling a leak from a big but stable script."""

    module: object  # the module measured (a reload starts a new history)
    npcs: int  # its NPCs when the history started
    settled: int  # the least it measured since
    totals: deque[int] = field(default_factory=deque)
    quarantined: bool = False


class MemoryWatch:
    """Takes censuses of the scripts' memory between frames and quarantines runaways.

    ``step()`` is the whole per-frame cost: called by the runtime after the scheduler's
    frame, never inside a handler."""

    def __init__(
        self, scheduler: Scheduler, scripts: ScriptHost, limits: MemoryLimits | None = None
    ) -> None:
        self.scheduler = scheduler
        self.scripts = scripts
        self.limits = limits if limits is not None else MemoryLimits()
        self.reports: list[MemoryReport] = []  # every quarantine for memory, in order
        self.censuses = 0  # completed
        self.last_work = 0  # objects examined by the last step (for tests and tuning)
        self._frame = 0  # frames stepped
        self._next_census = 0  # the frame the next census may start on
        self._roots: Iterator[tuple[str, list[Any]]] | None = None  # None: no census under way
        self._stack: list[tuple[Any, float]] = []  # objects to measure, with their weight
        self._script = ""  # the script the objects on the stack are charged to
        self._visited: set[int] = set()
        self._bytes: dict[str, float] = {}
        self._npcs: dict[str, int] = {}
        self._modules: dict[str, object] = {}
        self._files: dict[str, str | None] = {}
        self._history: dict[str, _History] = {}  # the whole script's figures
        self._module_history: dict[str, _History] = {}  # its module's data alone
        self._module_bytes: dict[str, float] = {}  # this census's, for the latter

    # -- between frames -----------------------------------------------------------------

    def step(self) -> None:
        """Measure up to ``objects_per_frame`` objects of the census under way (starting
        one when it is time); at its end, update the profiles and judge the scripts.

        One object past the budget at most: the container being expanded when it ran
        out (``2 * sample + 1`` objects). Nothing here may run a script's code — no
        ``isinstance`` (it reads ``__class__``), no ``len``, ``__sizeof__`` or ``__dict__``
        a script class could override: the census runs outside every budget. The loop is
        written out, with locals and no call per object, because it is the census's
        whole cost."""
        frame = self._frame
        self._frame += 1
        self.last_work = 0
        if self._roots is None:
            if frame < self._next_census:
                return
            self._begin(frame)
        self.last_work = self._walk(self.limits.objects_per_frame, frame)

    def _walk(self, budget: int, frame: int) -> int:
        """The census's work for one frame; the objects it examined."""
        work = budget
        sample = max(1, self.limits.sample)
        stack = self._stack
        visited = self._visited
        getsizeof = sys.getsizeof
        leaves = _LEAVES
        trusted = _TRUSTED
        code = _CODE
        counted = 0.0  # bytes for self._script since the last flush
        while work > 0:
            if stack:
                obj, weight = stack.pop()
                children, weight = _children(obj, weight, sample)
                work -= 1 + len(children)
            else:
                if counted:
                    self._charge(counted, frame)
                    counted = 0.0
                root = next(self._roots, None)  # type: ignore[arg-type]
                if root is None:
                    self._finish(frame)
                    break
                self._script, children = root
                weight = 1.0
                work -= 1 + len(children)
            for child in children:
                key = id(child)
                if key in visited:
                    continue
                cls = type(child)
                if cls in leaves:
                    visited.add(key)
                    counted += weight * getsizeof(child)
                    continue
                if issubclass(cls, code):
                    continue
                visited.add(key)
                counted += weight * (getsizeof(child) if cls in trusted else _size(child, cls))
                if type(cls) is type:  # a script's metaclass could answer anything
                    stack.append((child, weight))
        else:
            if counted:
                self._charge(counted, frame)
        return budget - work

    def _charge(self, counted: float, frame: int) -> None:
        """Add bytes to the current script; past the cap already, quarantine it now: what
        a census has counted so far is a lower bound, and a census of a big town spans
        many frames that a fast leak must not have."""
        script = self._script
        total = self._bytes[script] = self._bytes[script] + counted
        if total > self.limits.limit_bytes:
            profile = self.scheduler.profiles.setdefault(script, ScriptProfile())
            if not profile.quarantined:
                profile.memory_bytes = int(total)
                self._quarantine(script, profile, "limit", None, frame)

    def _begin(self, frame: int) -> None:
        self._next_census = frame + max(1, self.limits.census_every_frames)
        self._roots = self._each_root()
        self._stack.clear()
        self._visited.clear()
        self._bytes = {}
        self._npcs = {}
        self._modules = {}
        self._module_bytes = {}

    def _each_root(self) -> Iterator[tuple[str, list[Any]]]:
        """The roots of every script, a module's or an NPC's at a time, produced lazily so
        that a census of a big town spreads over frames. Snapshots (list(...)) because
        scripts, NPCs and globals may change between two frames of one census."""
        chunk = 2 * max(1, self.limits.sample)  # as many as one container may bring
        for name, module in list(self.scripts.modules.items()):
            self._modules[name] = module
            self._files[name] = _file_of(module)
            self._bytes.setdefault(name, 0.0)
            data = _data_of(module)
            for start in range(0, len(data), chunk):  # a frame's work stays bounded
                yield name, data[start : start + chunk]
        self._module_bytes = dict(self._bytes)  # all counted: the stack was empty
        scheduler = self.scheduler
        memories = scheduler.memory
        classes: dict[type, tuple[str, int]] = {}  # NPC class -> its script, its NPCs' size
        names = {id(profile): name for name, profile in scheduler.profiles.items()}
        for slot in list(scheduler.npcs):
            npc = scheduler.npcs.get(slot)
            cls = type(npc)
            if npc is None or cls is Npc:  # despawned meanwhile, or scriptless
                continue
            known = classes.get(cls)
            if known is None:
                # The scheduler's profile of the class, cached at spawn, names its script:
                # no reading of the class's __module__, which a script's metaclass could
                # make run code.
                script = names.get(id(scheduler.guard.profile_of(npc)))
                if script is None:
                    continue
                known = classes[cls] = (script, _size(npc, cls))
                if script not in self._files and type(cls) is type:
                    self._files[script] = _file_of(sys.modules.get(cls.__module__))
            script, size = known
            self._npcs[script] = self._npcs.get(script, 0) + 1
            self._bytes[script] = self._bytes.get(script, 0.0) + size
            roots = _attributes_of(npc) if type(cls) is type else []
            memory = memories.view(slot)
            if memory:  # an NPC that remembers nothing has nothing of its own there
                roots.append(memory)
            for start in range(0, len(roots), chunk):
                yield script, roots[start : start + chunk]

    # -- the verdict --------------------------------------------------------------------

    def _finish(self, frame: int) -> None:
        self._roots = None
        self._stack.clear()
        self._visited.clear()  # ids of objects that may since have died must not linger
        self.censuses += 1
        profiles = self.scheduler.profiles
        for script, measured in self._bytes.items():
            total = int(measured)
            profile = profiles.setdefault(script, ScriptProfile())
            profile.memory_bytes = total
            module = self._modules.get(script)
            npcs = self._npcs.get(script, 0)
            # The whole script, compared only while its NPCs are as many; and its module's
            # own data, which spawns and despawns do not change: a module-level leak is
            # found in a game whose NPCs come and go.
            whole = self._observe(self._history, script, module, npcs, total, profile)
            own = self._observe(
                self._module_history,
                script,
                module,
                0,
                int(self._module_bytes.get(script, 0)),
                profile,
            )
            profile.memory_growth_bytes = max(_growth(whole), _growth(own))
            if not profile.quarantined:
                if total > self.limits.limit_bytes:
                    self._quarantine(script, profile, "limit", whole, frame)
                elif self._grows(whole):
                    self._quarantine(script, profile, "growth", whole, frame)
                elif self._grows(own):
                    self._quarantine(script, profile, "growth", own, frame)
            whole.quarantined = own.quarantined = profile.quarantined
        for script, profile in profiles.items():
            if script not in self._bytes:  # nothing of it is left (its NPCs despawned)
                profile.memory_bytes = profile.memory_growth_bytes = 0

    def _observe(
        self,
        histories: dict[str, _History],
        script: str,
        module: object,
        npcs: int,
        size: int,
        profile: ScriptProfile,
    ) -> _History:
        """Add a census's figure to one of a script's histories; a new history when the
        figures stop being comparable (the script was saved again, its NPCs changed)."""
        history = histories.get(script)
        if (
            history is None
            or history.module is not module
            or history.npcs != npcs
            or (history.quarantined and not profile.quarantined)  # saved again
        ):
            history = histories[script] = _History(module, npcs, size)
        history.settled = min(history.settled, size)
        history.totals.append(size)
        while len(history.totals) > self.limits.growth_censuses + 1:
            history.totals.popleft()
        return history

    def _grows(self, history: _History) -> bool:
        limits = self.limits
        totals = history.totals
        return (
            len(totals) > limits.growth_censuses
            and all(a < b for a, b in zip(totals, islice(totals, 1, None), strict=False))
            and totals[-1] >= limits.growth_factor * history.settled
            and _growth(history) >= limits.growth_floor_bytes
        )

    def _quarantine(
        self,
        script: str,
        profile: ScriptProfile,
        reason: str,
        history: _History | None,
        frame: int,
    ) -> None:
        """The scheduler's quarantine (its NPCs fall back, its timers and events stop) and
        the script host's (its module hooks stop), reported once with the figures."""
        profile.quarantined = True
        if script in self.scripts.modules:
            self.scripts.quarantined.add(script)
        file = self._files.get(script)
        total = profile.memory_bytes
        growth = _growth(history) if history is not None else profile.memory_growth_bytes
        report = MemoryReport(script, file, total, growth, reason, frame)
        self.reports.append(report)
        if reason == "limit" or history is None:
            why = f"it keeps {_mib(total)}, over the limit of {_mib(self.limits.limit_bytes)}"
        else:
            what = "its module's data" if history in self._module_history.values() else "it"
            why = (
                f"{what} grew at each of the last {self.limits.growth_censuses} "
                f"measurements, from {_mib(history.settled)} to {_mib(history.totals[-1])}"
            )
        profile.last_error = f"{file or script}: memory: {why}"
        key = (script, "memory")
        if key not in self.scheduler.reported:
            self.scheduler.reported.add(key)
            log.error(
                "%s: script %s quarantined: %s; edit it to retry", file or script, script, why
            )


def _file_of(module: object) -> str | None:
    # vars(), not getattr(): a module's __getattr__ is the script's code.
    file = vars(module).get("__file__") if type(module) is types.ModuleType else None
    return file if type(file) is str else None


def _growth(history: _History) -> int:
    return history.totals[-1] - history.settled if history.totals else 0


def _mib(size: int) -> str:
    return f"{size / _MIB:.1f} MiB" if size >= _MIB else f"{size / 1024:.0f} KiB"


def _data_of(module: types.ModuleType) -> list[Any]:
    """A script module's data: its globals and its own classes' attributes, without code."""
    out: list[Any] = []
    for name, value in list(vars(module).items()):
        if type(name) is not str or name.startswith("__"):
            continue
        if type(value) is type and value.__module__ == module.__name__:
            out.extend(
                v
                for k, v in list(value.__dict__.items())
                if type(k) is str and not k.startswith("__") and not issubclass(type(v), _CODE)
            )
        elif not issubclass(type(value), _CODE):
            out.append(value)
    return out


def _children(obj: Any, weight: float, sample: int) -> tuple[list[Any], float]:
    """What to follow from a counted object, and the weight each child stands for (a wide
    container's sample stands for all its items). The containers' own C methods are
    called, unbound, so that a subclass a script defines cannot run code here."""
    cls = type(obj)
    if issubclass(cls, dict):
        size = dict.__len__(obj)
        if size > sample:
            weight *= size / sample
        return [x for item in islice(dict.items(obj), sample) for x in item], weight
    if issubclass(cls, (list, tuple, deque)):
        base = list if issubclass(cls, list) else tuple if issubclass(cls, tuple) else deque
        size = base.__len__(obj)
        if size <= sample:
            return list(base.__iter__(obj)), weight
        at = base.__getitem__
        return [at(obj, i * size // sample) for i in range(sample)], weight * size / sample
    if issubclass(cls, (set, frozenset)):
        base = set if issubclass(cls, set) else frozenset
        size = base.__len__(obj)
        if size > sample:
            weight *= size / sample
        return list(islice(base.__iter__(obj), sample)), weight
    if cls is Event or cls.__module__.startswith("npc_scripts."):
        # A script's own objects and the events it keeps in histories are its data;
        # anything else is the runtime's or a library's, counted by its own size only.
        return _attributes_of(obj), weight
    return [], weight


def _size(obj: Any, cls: type) -> int:
    """``sys.getsizeof`` without calling a ``__sizeof__`` a script defined: the nearest
    one CPython (or a C extension, numpy's counts an array's own data) implements."""
    if cls in _TRUSTED:
        return sys.getsizeof(obj)
    if type(cls) is type:
        for base in cls.__mro__:
            implementation = base.__dict__.get("__sizeof__")
            if implementation is not None:
                if type(implementation) in _BUILTIN_METHODS:
                    return int(implementation(obj))
                break
    return object.__sizeof__(obj)


def _attributes_of(obj: Any) -> list[Any]:
    """An object's attribute and slot values, through the collector's view of it
    (``gc.get_referents``, CPython's own C traversal; its class comes too, and is skipped
    as code). Never ``obj.__dict__``: a script class may define it as anything, and on an
    object whose attributes CPython keeps inline (3.11+), reading it builds a dict that
    makes every later attribute access of that object slower — it halved the speed of
    the NPCs' own handlers."""
    return gc.get_referents(obj)
