"""The relocatable runtime a game ships (``aicore package``, ``make package``,
``docs/packaging.md``): libaicore, aicore-host, the CPython shared library, a trimmed
standard library, the site-packages the game runs, the content and the NPC scripts, in one
folder that works wherever it is moved.

One module per job: the native build with ``$ORIGIN`` RPATHs (``native_stage``), the
interpreter's own files (``interpreter_files``), the third-party packages (``distributions``),
the shared libraries they need and their RPATHs (``shared_libraries``), and the assembly
that puts them together and says what it shipped (``assembly``).
"""

from engine_bridge.tooling.packaging.assembly import PackageReport, build_package
from engine_bridge.tooling.packaging.package_error import PackageError

__all__ = ["PackageError", "PackageReport", "build_package"]
