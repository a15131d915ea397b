"""The licence texts the package gathers (licence_files.py): found through dpkg for the
system libraries it bundles, and a library nobody's package installed stops the build."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine_bridge.tooling.packaging.licence_files import collect_licences, debian_packages_of
from engine_bridge.tooling.packaging.package_error import PackageError
from engine_bridge.tooling.packaging.shared_libraries import system_library_map


def test_a_system_library_is_traced_to_its_debian_package_and_copyright() -> None:
    sqlite = system_library_map()["libsqlite3.so.0"]
    assert debian_packages_of([sqlite]) == {sqlite: "libsqlite3-0"}
    out = Path(__file__)  # a file no Debian package installed
    assert debian_packages_of([out]) == {}


def test_a_library_without_a_licence_stops_the_package_naming_it(tmp_path: Path) -> None:
    stray = tmp_path / "libstray.so.1"
    stray.write_bytes(b"\x7fELF built by hand")
    sqlite = system_library_map()["libsqlite3.so.0"]
    with pytest.raises(PackageError) as raised:
        collect_licences(tmp_path, {"libstray.so.1": stray, "libsqlite3.so.0": sqlite})
    assert raised.value.step == "licences"
    assert "libstray.so.1" in raised.value.reason
    assert "libsqlite3.so.0" not in raised.value.reason


def test_libraries_of_one_package_share_its_licence_file(tmp_path: Path) -> None:
    system = system_library_map()
    found = collect_licences(
        tmp_path, {name: system[name] for name in ("libssl.so.3", "libcrypto.so.3")}
    )
    assert found["libssl.so.3"] == found["libcrypto.so.3"] == "licences/libssl3.copyright"
    assert "OpenSSL" in (tmp_path / found["libssl.so.3"]).read_text()
    assert (tmp_path / found["python"]).is_file()
