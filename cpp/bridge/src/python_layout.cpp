#include "python_layout.h"

#include <Python.h>

#include <string_view>
#include <system_error>
#include <vector>

#if defined(_WIN32)
#    ifndef WIN32_LEAN_AND_MEAN
#        define WIN32_LEAN_AND_MEAN
#    endif
#    include <windows.h>
#else
#    include <dlfcn.h>
#endif

namespace aicore::bridge {

namespace fs = std::filesystem;

namespace {

// An object inside libaicore: the loader maps its address back to the library's file. A data
// address, not a function's: converting a function pointer to void* is only conditionally
// supported in C++.
const char kLibraryAnchor = 0;

}  // namespace

fs::path pathFromUtf8(const std::string& utf8) {
    const std::u8string_view text(reinterpret_cast<const char8_t*>(utf8.data()), utf8.size());
    return fs::path(text);
}

std::string utf8FromPath(const fs::path& path) {
    const std::u8string text = path.u8string();
    return std::string(reinterpret_cast<const char*>(text.data()), text.size());
}

fs::path standardLibrary(const fs::path& prefix) {
#if defined(_WIN32)
    return prefix / "Lib";
#else
    return prefix / "lib" / ("python" + std::to_string(PY_MAJOR_VERSION) + "." + std::to_string(PY_MINOR_VERSION));
#endif
}

fs::path sitePackages(const fs::path& prefix) { return standardLibrary(prefix) / "site-packages"; }

fs::path libraryFolder() {
#if defined(_WIN32)
    HMODULE module = nullptr;
    if (!GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS | GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT,
                            reinterpret_cast<LPCWSTR>(&kLibraryAnchor), &module))
        return {};
    // MAX_PATH is not a limit on long-path systems: grow until the name fits.
    std::vector<wchar_t> buffer(MAX_PATH);
    for (;;) {
        const DWORD length = GetModuleFileNameW(module, buffer.data(), static_cast<DWORD>(buffer.size()));
        if (length == 0) return {};
        if (length < buffer.size()) return fs::path(std::wstring(buffer.data(), length)).parent_path();
        buffer.resize(buffer.size() * 2);
    }
#else
    Dl_info info{};
    if (dladdr(&kLibraryAnchor, &info) == 0 || info.dli_fname == nullptr || *info.dli_fname == '\0') return {};
    std::error_code ec;
    // The loader reports the name it opened (it may hold "bin/../lib" or be relative to the
    // working directory at load time): made absolute now, before anyone changes directory.
    const fs::path file = fs::weakly_canonical(fs::absolute(fs::path(info.dli_fname), ec), ec);
    return ec ? fs::path{} : file.parent_path();
#endif
}

fs::path packagedPythonHome() {
    const fs::path folder = libraryFolder();
    if (folder.empty()) return {};
    return (folder.parent_path() / "python").lexically_normal();
}

}  // namespace aicore::bridge
