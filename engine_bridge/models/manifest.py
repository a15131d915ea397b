"""The models manifest, ``models/manifest.toml`` of a content root: what each shipped
model file must be, so the registry can refuse one that is not (docs/models.md).

One ``[[model]]`` table per model::

    [[model]]
    name = "npc_action"            # the name scripts and the registry use
    file = "npc_action.onnx"       # beside the manifest, in the same root's models/
    sha256 = "9f2c..."             # of the file's bytes
    opset = 17                     # the default (ai.onnx) operator set it was exported for
    feature_version = 1            # engine_bridge/models/features.py's FEATURE_VERSION
    classes = ["idle", "wander", "stalk", "attack", "flee", "speak"]
    inputs = [{name = "features", shape = ["N", 22], dtype = "float32"}]
    outputs = [
      {name = "label", shape = ["N"], dtype = "int64"},
      {name = "probabilities", shape = ["N", 6], dtype = "float32"},
    ]

A shape's ``"N"`` is the batch: any number of rows. Content roots layer as the rest of the
content does: every root's manifest is read, and an entry of a later root replaces the
entry of the same name of an earlier one; its file is looked for in that later root.
``aicore models train`` writes the file with :func:`render`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from engine_bridge.content.layers import ContentError
from vocal.content_fields import ContentFile, Fields

__all__ = [
    "BATCH",
    "DTYPES",
    "FOLDER",
    "MANIFEST",
    "ManifestEntry",
    "TensorSpec",
    "layered_manifest",
    "read_manifest",
    "render",
]

FOLDER = "models"
"""The folder of a content root that holds the models and their manifest."""
MANIFEST = "manifest.toml"
BATCH = "N"
"""How a shape writes its batch dimension (any number of rows)."""
DTYPES = ("float32", "int64")
"""The element types a model's inputs and outputs may have."""

_FILE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*\.onnx")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_FIELDS = ("name", "file", "sha256", "opset", "feature_version", "classes", "inputs", "outputs")


@dataclass(frozen=True)
class TensorSpec:
    """One input or output: its ``name``, ``shape`` (``None`` for the batch dimension)
    and element ``dtype`` (one of :data:`DTYPES`)."""

    name: str
    shape: tuple[int | None, ...]
    dtype: str

    def as_toml(self) -> str:
        """The inline table the manifest writes."""
        shape = ", ".join(json.dumps(BATCH) if d is None else str(d) for d in self.shape)
        name, dtype = json.dumps(self.name), json.dumps(self.dtype)
        return f"{{name = {name}, shape = [{shape}], dtype = {dtype}}}"


@dataclass(frozen=True)
class ManifestEntry:
    """One model as the manifest describes it, and where it was declared."""

    name: str
    file: str
    sha256: str
    opset: int
    feature_version: int
    classes: tuple[str, ...]
    inputs: tuple[TensorSpec, ...]
    outputs: tuple[TensorSpec, ...]
    manifest: Path
    """The manifest file that declared it."""

    @property
    def path(self) -> Path:
        """The model file: beside the manifest that declared it."""
        return self.manifest.parent / self.file


def _tensors(fields: Fields, name: str) -> tuple[TensorSpec, ...]:
    value = fields.get(name)
    what = "a list of {name, shape, dtype} tables"
    if not isinstance(value, list) or not value:
        raise fields.invalid(name, what, value)
    tensors = []
    for item in value:
        if not isinstance(item, dict) or set(item) != {"name", "shape", "dtype"}:
            raise fields.invalid(name, what, item)
        shape = item["shape"]
        dims_ok = isinstance(shape, list) and all(
            d == BATCH or (isinstance(d, int) and not isinstance(d, bool) and d > 0) for d in shape
        )
        if not isinstance(item["name"], str) or not item["name"] or not dims_ok:
            raise fields.invalid(name, f"{what} (shape: positive integers or {BATCH!r})", item)
        if item["dtype"] not in DTYPES:
            raise fields.invalid(name, f"a dtype of {', '.join(DTYPES)}", item["dtype"])
        dims = tuple(None if d == BATCH else int(d) for d in shape)
        tensors.append(TensorSpec(item["name"], dims, item["dtype"]))
    return tuple(tensors)


def _entry(fields: Fields, manifest: Path) -> ManifestEntry:
    fields.require(*_FIELDS)
    fields.allow_only(_FIELDS)
    name = fields.identifier("name")
    # Errors from here on name the model as their table.
    fields = Fields(fields.file, fields.table, fields.path, label=f"model {name!r}", table_id=name)
    file = fields.text("file")
    if not _FILE_NAME.fullmatch(file):
        raise fields.invalid("file", "a file name ending in .onnx, beside the manifest", file)
    sha256 = fields.text("sha256")
    if not _SHA256.fullmatch(sha256):
        raise fields.invalid("sha256", "64 lowercase hexadecimal digits", sha256)
    return ManifestEntry(
        name=name,
        file=file,
        sha256=sha256,
        opset=fields.integer("opset", low=1),
        feature_version=fields.integer("feature_version", low=1),
        classes=tuple(fields.names("classes", non_empty=True, unique=True)),
        inputs=_tensors(fields, "inputs"),
        outputs=_tensors(fields, "outputs"),
        manifest=manifest,
    )


def read_manifest(path: Path) -> tuple[list[ManifestEntry], list[ContentError]]:
    """The entries of one manifest file, and a :class:`ContentError` for each that is
    wrong (the others still load) or one for the whole file (unreadable, not TOML)."""
    try:
        parsed = ContentFile.parse(path, path.read_bytes())
        tables = parsed.tables("model")
    except OSError as exc:
        return [], [ContentError(path, f"cannot be read: {exc.strerror or exc}")]
    except ContentError as error:
        return [], [error]
    entries: list[ManifestEntry] = []
    errors: list[ContentError] = []
    seen: set[str] = set()
    for table in tables:
        try:
            entry = _entry(table, path)
        except ContentError as error:
            errors.append(error)
            continue
        if entry.name in seen:
            errors.append(table.error("name", f"model {entry.name!r} is declared twice"))
            continue
        seen.add(entry.name)
        entries.append(entry)
    return entries, errors


def layered_manifest(
    roots: Sequence[Path],
) -> tuple[dict[str, ManifestEntry], list[ContentError]]:
    """Every root's ``models/manifest.toml`` (roots without one add nothing), merged by
    model name: a later root's entry replaces an earlier root's. Returns the entries by
    name, in name order, and the errors of every manifest read."""
    merged: dict[str, ManifestEntry] = {}
    errors: list[ContentError] = []
    for root in roots:
        path = Path(root) / FOLDER / MANIFEST
        if not path.is_file():
            continue
        entries, problems = read_manifest(path)
        errors.extend(problems)
        merged.update((entry.name, entry) for entry in entries)
    return dict(sorted(merged.items())), errors


_HEADER = """\
# The NPC decision models of this content root (docs/models.md, "Manifest"), written by
# `aicore models train`. The registry loads a model only if its file matches its entry:
# SHA-256, operator set, feature version, input and output names, shapes and types.
"""


def render(entries: Iterable[ManifestEntry]) -> str:
    """The manifest text for ``entries`` (in name order): what :func:`read_manifest` reads
    back to the same entries."""
    blocks = [_HEADER]
    for entry in sorted(entries, key=lambda e: e.name):
        classes = ", ".join(json.dumps(c) for c in entry.classes)
        inputs = "".join(f"  {t.as_toml()},\n" for t in entry.inputs)
        outputs = "".join(f"  {t.as_toml()},\n" for t in entry.outputs)
        blocks.append(
            "[[model]]\n"
            f"name = {json.dumps(entry.name)}\n"
            f"file = {json.dumps(entry.file)}\n"
            f"sha256 = {json.dumps(entry.sha256)}\n"
            f"opset = {entry.opset}\n"
            f"feature_version = {entry.feature_version}\n"
            f"classes = [{classes}]\n"
            f"inputs = [\n{inputs}]\n"
            f"outputs = [\n{outputs}]\n"
        )
    return "\n".join(blocks)
