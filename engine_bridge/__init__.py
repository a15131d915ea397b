"""AI Core's Python runtime: designer API, scheduler, story, knowledge, dialogue, store,
models, sync, and the ``aicore`` command line."""

from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _dist_version

try:
    __version__: str = _dist_version("aicore")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
