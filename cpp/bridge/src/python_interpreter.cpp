#include "python_interpreter.h"

#include <Python.h>

#include <filesystem>
#include <mutex>
#include <system_error>

#include "message_text.h"
#include "python_layout.h"

namespace aicore::bridge {

namespace {

namespace fs = std::filesystem;

std::mutex gInitMutex;  // create/destroy are rare; the lock never touches a frame
std::string gStartedHome;  // the prefix this library started Python from ("" if it did not)

InterpreterStatus failure(aicore_result code, std::string message) { return {code, std::move(message)}; }

std::string statusError(const char* what, PyStatus status) {
    std::string msg = what;
    if (status.err_msg != nullptr) msg += std::string(": ") + status.err_msg;
    return msg;
}

std::string pythonVersion() { return std::to_string(PY_MAJOR_VERSION) + "." + std::to_string(PY_MINOR_VERSION); }

// The folder a config without python_home starts Python from: the packaged runtime's
// python/ beside libaicore's folder ("" if the loader cannot say where libaicore is).
std::string defaultHome() { return utf8FromPath(packagedPythonHome()); }

// Which home the message is about: the config's, or the one looked for beside libaicore.
std::string describeHome(const std::string& home, bool fromConfig) {
    if (fromConfig) return "python_home '" + printable(home) + "'";
    return "python_home is not set, and the packaged runtime's Python beside libaicore, '" + printable(home) + "',";
}

// Whether `home` is a CPython X.Y prefix for this build: the standard library's os.py and
// encodings/ are what Py_Initialize needs first (without them it fails half-way, leaving an
// interpreter that can be neither used nor started again).
InterpreterStatus checkHome(const std::string& home, bool fromConfig) {
    if (home.empty())
        return failure(AICORE_INVALID_ARGUMENT,
                       "python_home is not set in the runtime config, and the folder libaicore was loaded from is "
                       "unknown, so there is no packaged Python beside it to use");
    if (!isValidUtf8(home)) return failure(AICORE_INVALID_ARGUMENT, describeHome(home, fromConfig) + " is not UTF-8");
    std::error_code ec;
    const fs::path homePath = pathFromUtf8(home);
    if (!fs::is_directory(homePath, ec)) return failure(AICORE_NOT_FOUND, describeHome(home, fromConfig) + " is not a folder");
    const fs::path lib = standardLibrary(homePath);
    for (const auto& [entry, folder] : {std::pair{lib / "os.py", false}, std::pair{lib / "encodings", true}}) {
        const bool present = folder ? fs::is_directory(entry, ec) : fs::is_regular_file(entry, ec);
        if (!present)
            return failure(AICORE_NOT_FOUND, describeHome(home, fromConfig) + " is not a Python " + pythonVersion() +
                                                 " prefix: " + printable(utf8FromPath(entry)) + " is missing");
    }
    return {};
}

InterpreterStatus checkVenv(const std::string& venv) {
    if (venv.empty()) return {};
    if (!isValidUtf8(venv)) return failure(AICORE_INVALID_ARGUMENT, "python_venv '" + printable(venv) + "' is not UTF-8");
    std::error_code ec;
    if (!fs::is_directory(pathFromUtf8(venv), ec))
        return failure(AICORE_NOT_FOUND, "python_venv '" + printable(venv) + "' is not a folder");
    return {};
}

bool samePlace(const std::string& a, const std::string& b) {
    if (a.empty() || b.empty()) return false;
    std::error_code ec;
    const fs::path pathA = pathFromUtf8(a), pathB = pathFromUtf8(b);
    if (fs::equivalent(pathA, pathB, ec)) return true;
    std::error_code ecA, ecB;
    const fs::path canonicalA = fs::weakly_canonical(pathA, ecA), canonicalB = fs::weakly_canonical(pathB, ecB);
    return !ecA && !ecB && canonicalA == canonicalB;
}

// With the GIL held: sys.base_prefix of the running interpreter ("" if unreadable).
std::string runningBasePrefix() {
    PyObject* prefix = PySys_GetObject("base_prefix");  // borrowed
    if (prefix == nullptr || !PyUnicode_Check(prefix)) return {};
    const char* text = PyUnicode_AsUTF8(prefix);
    if (text == nullptr) {
        PyErr_Clear();
        return {};
    }
    return text;
}

// Sets a PyConfig path field from UTF-8: on Windows as wide characters (the bytes form would
// be decoded in the ANSI code page), elsewhere as the bytes the file system takes.
PyStatus setConfigPath(PyConfig& config, wchar_t** field, const std::string& utf8) {
#if defined(_WIN32)
    return PyConfig_SetString(&config, field, pathFromUtf8(utf8).wstring().c_str());
#else
    return PyConfig_SetBytesString(&config, field, utf8.c_str());
#endif
}

// With the GIL held: add a site dir (runs its .pth files) once.
std::string addSiteDir(const std::string& dir) {
    PyObject* site = PyImport_ImportModule("site");
    if (site == nullptr) {
        PyErr_Clear();
        return "cannot import site";
    }
    PyObject* result = PyObject_CallMethod(site, "addsitedir", "s", dir.c_str());
    Py_DECREF(site);
    if (result == nullptr) {
        PyErr_Clear();
        return "site.addsitedir(" + printable(dir) + ") failed";
    }
    Py_DECREF(result);
    return {};
}

}  // namespace

InterpreterStatus ensureInterpreter(const std::string& pythonHome, const std::string& venv) {
    std::lock_guard lock(gInitMutex);
    if (InterpreterStatus venvStatus = checkVenv(venv); venvStatus.code != AICORE_OK) return venvStatus;
    if (!Py_IsInitialized()) {
        // Checked before CPython is touched: a bad prefix must leave nothing behind.
        // No python_home: the packaged runtime's own Python, found relative to libaicore, so a
        // moved game folder still starts (docs/packaging.md, "How the runtime finds Python").
        const bool fromConfig = !pythonHome.empty();
        const std::string home = fromConfig ? pythonHome : defaultHome();
        if (InterpreterStatus checked = checkHome(home, fromConfig); checked.code != AICORE_OK) return checked;
        PyConfig config;
        PyConfig_InitIsolatedConfig(&config);
        // The game owns signals and stdio; Python must not install handlers of its own.
        config.install_signal_handlers = 0;
        config.site_import = 1;
        PyStatus status = setConfigPath(config, &config.home, home);
        if (!PyStatus_Exception(status))
            status = PyConfig_SetBytesString(&config, &config.program_name, "aicore");
        if (!PyStatus_Exception(status)) status = Py_InitializeFromConfig(&config);
        PyConfig_Clear(&config);
        if (PyStatus_Exception(status))
            return failure(AICORE_PYTHON_ERROR, statusError("Python could not start", status));
        gStartedHome = home;
        std::string error;
        if (!venv.empty()) error = addSiteDir(utf8FromPath(sitePackages(pathFromUtf8(venv))));
        // Release the GIL: from now on each tick takes it once and gives it back.
        PyEval_SaveThread();
        if (!error.empty()) return failure(AICORE_PYTHON_ERROR, error);
        return {};
    }
    // Already running (our earlier runtime, or a host Python process): it is the one used.
    const PyGILState_STATE gil = PyGILState_Ensure();
    const std::string running = runningBasePrefix();
    InterpreterStatus result;
    if (!pythonHome.empty() && !samePlace(pythonHome, gStartedHome) && !samePlace(pythonHome, running)) {
        result = failure(AICORE_INVALID_ARGUMENT,
                         "python_home '" + printable(pythonHome) + "' is not the prefix of the Python already running in "
                         "this process ('" + printable(gStartedHome.empty() ? running : gStartedHome) +
                         "'): CPython starts once per process and cannot be restarted from another prefix; "
                         "pass that prefix, or NULL to use the running interpreter");
    } else if (!venv.empty()) {
        if (std::string error = addSiteDir(utf8FromPath(sitePackages(pathFromUtf8(venv)))); !error.empty())
            result = failure(AICORE_PYTHON_ERROR, error);
    }
    PyGILState_Release(gil);
    return result;
}

}  // namespace aicore::bridge
