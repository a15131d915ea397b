"""The NPC decision models the game can run: loaded by name from the content roots,
each checked against its manifest entry before it is trusted, each warmed up at load.

:class:`ModelRegistry` reads every root's ``models/manifest.toml`` (later roots replace
earlier entries of the same name, as all content layers) and loads every model it lists:

1. the entry must fit the features this build gathers (``FEATURE_VERSION``, one input
   ``features`` (N, N_FEATURES) float32) and, for a model :data:`MODELS` names, its classes;
2. the file must exist, and its SHA-256 must be the manifest's (a damaged, truncated or
   replaced file stops here);
3. the operator set the file declares must be the manifest's (``onnx_header.py``);
4. onnxruntime must load it (``session.py``: one thread, no spinning, full optimisation);
5. the session's input and output names, shapes and element types must be the manifest's;
6. one warm-up batch must run and answer the shapes the manifest promises.

A model that fails any step is **off**: :meth:`ModelRegistry.get` answers ``None`` for it,
and :attr:`ModelRegistry.errors` holds a :class:`ContentError` naming the file, the field
at fault and why (logged once, as a warning). The caller falls back to its scripted
behaviour, and the game goes on. A missing ``models`` extra (no onnxruntime) turns every
model off the same way, each error saying which extra to install.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from engine_bridge.content.layers import ContentError, normalize_roots
from engine_bridge.models.features import FEATURE_VERSION, MODELS, N_FEATURES, ModelSpec
from engine_bridge.models.manifest import (
    BATCH,
    FOLDER,
    MANIFEST,
    ManifestEntry,
    TensorSpec,
    layered_manifest,
)
from engine_bridge.models.onnx_header import OnnxHeaderError, opsets
from engine_bridge.models.session import WARM_UP_ROWS, open_session, warm_up
from vocal.extras import MissingExtraError

__all__ = ["LoadedModel", "ModelRegistry"]

log = logging.getLogger("aicore.models")

_ORT_TYPES = {"tensor(float)": "float32", "tensor(int64)": "int64"}


@dataclass(frozen=True)
class LoadedModel:
    """A model that passed every check: its manifest ``entry``, its warmed-up onnxruntime
    ``session``, and the size of its file."""

    entry: ManifestEntry
    session: Any
    size: int

    @property
    def name(self) -> str:
        return self.entry.name

    @property
    def classes(self) -> tuple[str, ...]:
        return self.entry.classes

    @property
    def input_name(self) -> str:
        return self.entry.inputs[0].name

    def run(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The decisions for ``rows`` ((n, N_FEATURES) float32), in one call: the labels
        (n,) int64 and the probabilities (n, classes) float32."""
        label, probabilities = self.session.run(
            [self.entry.outputs[0].name, self.entry.outputs[1].name], {self.input_name: rows}
        )
        return label, probabilities


class _RefusedError(Exception):
    """One check failed: carries the ContentError that says which and why."""

    def __init__(self, error: ContentError) -> None:
        super().__init__(str(error))
        self.error = error


def _refuse(entry: ManifestEntry, path: Path, field: str | None, reason: str) -> _RefusedError:
    """A refusal of ``entry``'s model: ``path`` (its file, or its manifest) is at fault."""
    return _RefusedError(ContentError(path, reason, field=field, table_id=entry.name))


def _shape_text(shape: Sequence[int | None]) -> str:
    return "[" + ", ".join(BATCH if d is None else str(d) for d in shape) + "]"


def _expected_io(entry: ManifestEntry) -> None:
    """The entry fits what this build gathers and what its spec (if known) decides."""
    where = entry.manifest
    if entry.feature_version != FEATURE_VERSION:
        raise _refuse(
            entry,
            where,
            "feature_version",
            f"model {entry.name!r} was trained on feature version {entry.feature_version}; "
            f"this build gathers version {FEATURE_VERSION}: retrain it (aicore models train)",
        )
    wanted = TensorSpec(ModelSpec.input_name, (None, N_FEATURES), "float32")
    if entry.inputs != (wanted,):
        raise _refuse(
            entry,
            where,
            "inputs",
            f"model {entry.name!r} must take one input {wanted.name!r} "
            f"{_shape_text(wanted.shape)} float32, the manifest says "
            + ", ".join(f"{t.name!r} {_shape_text(t.shape)} {t.dtype}" for t in entry.inputs),
        )
    classes = len(entry.classes)
    outputs = (
        TensorSpec(ModelSpec.label_output, (None,), "int64"),
        TensorSpec(ModelSpec.probabilities_output, (None, classes), "float32"),
    )
    if entry.outputs != outputs:
        raise _refuse(
            entry,
            where,
            "outputs",
            f"model {entry.name!r} must answer 'label' [N] int64 and 'probabilities' "
            f"[N, {classes}] float32 (one column per class)",
        )
    spec = MODELS.get(entry.name)
    if spec is not None and entry.classes != spec.classes:
        raise _refuse(
            entry,
            where,
            "classes",
            f"model {entry.name!r} must decide {list(spec.classes)}, "
            f"the manifest says {list(entry.classes)}",
        )


def _read_checked(entry: ManifestEntry) -> bytes:
    """The file's bytes, once its SHA-256 and operator set are the manifest's."""
    path = entry.path
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise _refuse(entry, path, "file", f"model {entry.name!r}: the file is missing") from None
    except OSError as exc:
        raise _refuse(entry, path, "file", f"model {entry.name!r}: cannot be read: {exc}") from None
    digest = hashlib.sha256(data).hexdigest()
    if digest != entry.sha256:
        raise _refuse(
            entry,
            path,
            "sha256",
            f"model {entry.name!r}: the file's SHA-256 is {digest}, the manifest says "
            f"{entry.sha256} (a damaged, truncated or replaced file)",
        )
    try:
        declared = opsets(data)
    except OnnxHeaderError as exc:
        raise _refuse(
            entry, path, None, f"model {entry.name!r}: not an ONNX model ({exc})"
        ) from None
    if declared.get("ai.onnx") != entry.opset:
        raise _refuse(
            entry,
            path,
            "opset",
            f"model {entry.name!r}: the file is exported for opset "
            f"{declared.get('ai.onnx')}, the manifest says {entry.opset}",
        )
    return data


def _session_matches(entry: ManifestEntry, session: Any) -> None:
    """The session's inputs and outputs are the manifest's: names, shapes, types."""
    for field, declared, actual in (
        ("inputs", entry.inputs, session.get_inputs()),
        ("outputs", entry.outputs, session.get_outputs()),
    ):
        found = tuple(
            TensorSpec(
                arg.name,
                tuple(d if isinstance(d, int) else None for d in arg.shape),
                _ORT_TYPES.get(arg.type, arg.type),
            )
            for arg in actual
        )
        if found != declared:
            raise _refuse(
                entry,
                entry.path,
                field,
                f"model {entry.name!r}: the file's {field} are "
                + ", ".join(f"{t.name!r} {_shape_text(t.shape)} {t.dtype}" for t in found)
                + "; the manifest says "
                + ", ".join(f"{t.name!r} {_shape_text(t.shape)} {t.dtype}" for t in declared),
            )


def _warmed(entry: ManifestEntry, session: Any) -> None:
    try:
        label, probabilities = warm_up(session, entry.inputs[0].name)
    except Exception as exc:  # onnxruntime's own errors: the file is unusable
        reason = f"model {entry.name!r}: its first run failed: {exc}"
        raise _refuse(entry, entry.path, None, reason) from None
    classes = len(entry.classes)
    if label.shape != (WARM_UP_ROWS,) or probabilities.shape != (WARM_UP_ROWS, classes):
        raise _refuse(
            entry,
            entry.path,
            "outputs",
            f"model {entry.name!r}: a batch of {WARM_UP_ROWS} rows answered shapes "
            f"{label.shape} and {probabilities.shape}",
        )


def _load(entry: ManifestEntry) -> LoadedModel:
    _expected_io(entry)
    data = _read_checked(entry)
    try:
        session = open_session(data)
    except MissingExtraError:
        raise
    except Exception as exc:  # onnxruntime refuses the bytes
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise _refuse(
            entry,
            entry.path,
            None,
            f"model {entry.name!r}: onnxruntime cannot load it: {first_line}",
        ) from None
    _session_matches(entry, session)
    _warmed(entry, session)
    return LoadedModel(entry=entry, session=session, size=len(data))


class ModelRegistry:
    """Every model the manifests of ``roots`` list, loaded and checked at construction
    (with ``names``, only those; the others the first time :meth:`get` asks for them);
    see the module docstring for the checks."""

    def __init__(
        self, roots: str | Path | Iterable[str | Path], *, names: Iterable[str] | None = None
    ) -> None:
        self.roots = normalize_roots(roots)
        entries, problems = layered_manifest(self.roots)
        self.entries: dict[str, ManifestEntry] = entries
        """Every model the manifests list, loaded or not, by name."""
        self.errors: list[ContentError] = list(problems)
        """Why each model that is off is off (and each manifest problem)."""
        self.off: dict[str, ContentError] = {}
        """The error that keeps each model off, by name."""
        self._models: dict[str, LoadedModel] = {}
        wanted = set(entries) if names is None else set(names)
        for name, entry in entries.items():
            if name in wanted:
                self._try_load(entry)
        for problem in problems:
            log.warning("models manifest: %s", problem)

    def _try_load(self, entry: ManifestEntry) -> None:
        try:
            self._models[entry.name] = _load(entry)
        except _RefusedError as refused:
            self._off(entry.name, refused.error)
        except MissingExtraError as missing:
            reason = f"model {entry.name!r}: {missing}"
            self._off(entry.name, ContentError(entry.path, reason, table_id=entry.name))

    def _off(self, name: str, error: ContentError) -> None:
        self.off[name] = error
        self.errors.append(error)
        log.warning("NPC model off: %s", error)

    @property
    def loaded(self) -> dict[str, LoadedModel]:
        """The models that passed every check, by name."""
        return dict(self._models)

    def get(self, name: str) -> LoadedModel | None:
        """The model ``name``, or ``None`` when it is off or no manifest lists it (the
        latter is added to :attr:`errors` and :attr:`off` the first time it is asked for)."""
        model = self._models.get(name)
        if model is None and name in self.entries and name not in self.off:
            # Listed but not among the ``names`` loaded at construction: load it now.
            self._try_load(self.entries[name])
            model = self._models.get(name)
        if model is None and name not in self.entries and name not in self.off:
            where = (self.roots[-1] if self.roots else Path()) / FOLDER / MANIFEST
            reason = f"no manifest of the content roots lists model {name!r}"
            self._off(name, ContentError(where, reason, field="name", table_id=name))
        return model
