#pragma once
// Where the embedded Python's files are, by platform: the standard library and site-packages
// under a prefix, and the prefix a packaged game ships beside libaicore (docs/packaging.md).
// Paths cross this header as UTF-8 std::string (the C ABI's encoding); on Windows they are
// widened here, never read in the ANSI code page.
#include <filesystem>
#include <string>

namespace aicore::bridge {

/// `utf8` as a path (on Windows decoded as UTF-8, not in the ANSI code page).
std::filesystem::path pathFromUtf8(const std::string& utf8);

/// `path` as UTF-8.
std::string utf8FromPath(const std::filesystem::path& path);

/// The standard library under a Python prefix: lib/pythonX.Y on POSIX, Lib on Windows.
std::filesystem::path standardLibrary(const std::filesystem::path& prefix);

/// A prefix's (or a virtual environment's) site-packages: lib/pythonX.Y/site-packages on
/// POSIX, Lib\site-packages on Windows.
std::filesystem::path sitePackages(const std::filesystem::path& prefix);

/// The folder libaicore itself was loaded from (dladdr; GetModuleHandleExW on Windows), or
/// an empty path if the loader cannot say.
std::filesystem::path libraryFolder();

/// The Python prefix a relocatable package ships: `python/` beside the library's folder
/// (DIR/lib/libaicore.so -> DIR/python; DIR/bin/aicore.dll -> DIR/python). Empty when
/// libraryFolder() is.
std::filesystem::path packagedPythonHome();

}  // namespace aicore::bridge
