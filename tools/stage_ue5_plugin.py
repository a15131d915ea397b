"""Fills ue5_plugin/AICore with what it builds from: the C ABI header, the engine glue's
sources (cpp/engine_glue and cpp/codec, with the protocol header generated from the one
schema) and, when given, the packaged runtime and the libaicore to link.

    python tools/stage_ue5_plugin.py [--plugin DIR] [--runtime DIR] [--platform Linux|Win64]

The glue is copied as sources, not as a prebuilt library: Unreal Build Tool compiles it
with the engine's own toolchain (libc++ on Linux, the engine's MSVC on Windows), so no C++
standard library type crosses a binary boundary; only the C ABI of libaicore does. What is
staged is generated: it is not checked in (.gitignore), and this script is rerun after a
change to the glue or the schema (docs/ue5.md).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The import library a Windows build links (the DLL itself runs from Runtime/bin); Linux
# links the runtime's own lib/libaicore.so (AICore.Build.cs).
_IMPORT_LIBRARY = {"Win64": ("bin/aicore.lib", "aicore.lib")}
_PLATFORMS = ("Linux", "Win64")


def stage_sources(plugin: Path) -> list[Path]:
    """Copies the header and the glue's sources into `plugin`; the files written."""
    third_party = plugin / "ThirdParty" / "AICore"
    glue = plugin / "Source" / "AICore" / "Private" / "Glue"
    shutil.rmtree(glue, ignore_errors=True)
    written = []
    header = third_party / "include" / "aicore" / "aicore.h"
    header.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(ROOT / "cpp" / "bridge" / "include" / "aicore" / "aicore.h", header)
    written.append(header)
    for library in ("engine_glue", "codec"):
        for part in ("include", "src"):
            source = ROOT / "cpp" / library / part
            for file in sorted(source.rglob("*")):
                if file.is_file():
                    target = glue / part / file.relative_to(source)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(file, target)
                    written.append(target)
    schema_header = glue / "include" / "aicore" / "protocol_schema.h"
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "tools" / "generate_protocol_header.py"),
            str(ROOT / "engine_bridge" / "protocol" / "schema.toml"),
            str(schema_header),
        ],
        check=True,
    )
    written.append(schema_header)
    return written


def stage_runtime(plugin: Path, runtime: Path, platform: str) -> None:
    """Copies a packaged runtime folder (make package) and the library to link against."""
    third_party = plugin / "ThirdParty" / "AICore"
    target = third_party / "Runtime"
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(runtime, target, symlinks=True)
    if platform in _IMPORT_LIBRARY:
        inside, link_name = _IMPORT_LIBRARY[platform]
        (third_party / platform).mkdir(parents=True, exist_ok=True)
        shutil.copy2(runtime / inside, third_party / platform / link_name)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plugin", type=Path, default=ROOT / "ue5_plugin" / "AICore")
    parser.add_argument("--runtime", type=Path, help="a packaged runtime folder (make package)")
    parser.add_argument("--platform", choices=_PLATFORMS, default="Linux")
    args = parser.parse_args(argv)
    written = stage_sources(args.plugin)
    print(f"staged {len(written)} glue files into {args.plugin}")
    if args.runtime is not None:
        stage_runtime(args.plugin, args.runtime, args.platform)
        print(f"staged the runtime {args.runtime} for {args.platform}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
