"""The packages of aicore's extras (``pyproject.toml``), imported only where they are used.

A shipped game installs aicore's runtime dependencies alone; the tools (plots, the script
debugger, playback on the sound card), the cloud sync and the NPC models are extras. Code
that needs one of their packages imports it through :func:`import_extra`, which names the
extra to install when the package is missing. It lives in ``vocal``, the lowest package of
the distribution, so that both ``vocal`` and ``engine_bridge`` can use it.
"""

from __future__ import annotations

import importlib
from types import ModuleType

__all__ = ["EXTRA_PACKAGES", "MissingExtraError", "import_extra", "install_hint"]

# Top-level module -> (the distribution that provides it, the extra that installs it).
EXTRA_PACKAGES: dict[str, tuple[str, str]] = {
    "matplotlib": ("matplotlib", "tools"),
    "debugpy": ("debugpy", "tools"),
    "sounddevice": ("sounddevice", "tools"),
    "zmq": ("pyzmq", "sync"),
    "cryptography": ("cryptography", "sync"),
    "onnxruntime": ("onnxruntime", "models"),
    "sklearn": ("scikit-learn", "train"),
    "skl2onnx": ("skl2onnx", "train"),
    "onnx": ("onnx", "train"),
    "rich": ("rich", "train"),
    "threadpoolctl": ("threadpoolctl", "train"),
}


class MissingExtraError(ImportError):
    """A package of an extra is not installed: ``package`` (the distribution), ``extra``
    (what to install) and ``purpose`` (what needed it) as fields."""

    def __init__(self, module: str, package: str, extra: str, purpose: str) -> None:
        super().__init__(
            f"{purpose} needs {package}, which is not installed; {install_hint(module)}",
            name=module,
        )
        self.package = package
        self.extra = extra
        self.purpose = purpose


def install_hint(module: str) -> str:
    """How to install the extra that provides ``module``: ``pip install aicore[tools]``."""
    extra = EXTRA_PACKAGES[module.partition(".")[0]][1]
    return f"it comes with the '{extra}' extra: pip install aicore[{extra}]"


def import_extra(module: str, purpose: str) -> ModuleType:
    """Import ``module`` (of one of :data:`EXTRA_PACKAGES`), or raise
    :class:`MissingExtraError` saying that ``purpose`` needs it and which extra provides it."""
    package, extra = EXTRA_PACKAGES[module.partition(".")[0]]
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        if isinstance(exc, MissingExtraError):
            raise
        raise MissingExtraError(module, package, extra, purpose) from exc
