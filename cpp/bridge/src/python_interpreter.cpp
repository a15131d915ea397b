#include "python_interpreter.h"

#include <Python.h>

#include <filesystem>
#include <mutex>
#include <system_error>

#include "message_text.h"

namespace aicore::bridge {

namespace {

namespace fs = std::filesystem;

std::mutex gInitMutex;  // create/destroy are rare; the lock never touches a frame
std::string gStartedHome;  // the prefix this library started Python from ("" if it did not)

const std::string kLibDir = "python" + std::to_string(PY_MAJOR_VERSION) + "." + std::to_string(PY_MINOR_VERSION);

InterpreterStatus failure(aicore_result code, std::string message) { return {code, std::move(message)}; }

std::string statusError(const char* what, PyStatus status) {
    std::string msg = what;
    if (status.err_msg != nullptr) msg += std::string(": ") + status.err_msg;
    return msg;
}

std::string sitePackages(const std::string& prefix) {
    return (fs::path(prefix) / "lib" / kLibDir / "site-packages").string();
}

// Whether `home` is a CPython X.Y prefix for this build: the standard library's os.py and
// encodings/ are what Py_Initialize needs first (without them it fails half-way, leaving an
// interpreter that can be neither used nor started again).
InterpreterStatus checkHome(const std::string& home) {
    if (home.empty())
        return failure(AICORE_INVALID_ARGUMENT, "python_home is not set in the runtime config");
    if (!isValidUtf8(home)) return failure(AICORE_INVALID_ARGUMENT, "python_home '" + printable(home) + "' is not UTF-8");
    std::error_code ec;
    if (!fs::is_directory(home, ec))
        return failure(AICORE_NOT_FOUND, "python_home '" + printable(home) + "' is not a folder");
    const fs::path lib = fs::path(home) / "lib" / kLibDir;
    for (const auto& [entry, folder] : {std::pair{lib / "os.py", false}, std::pair{lib / "encodings", true}}) {
        const bool present = folder ? fs::is_directory(entry, ec) : fs::is_regular_file(entry, ec);
        if (!present)
            return failure(AICORE_NOT_FOUND, "python_home '" + printable(home) + "' is not a Python " +
                                                 std::to_string(PY_MAJOR_VERSION) + "." +
                                                 std::to_string(PY_MINOR_VERSION) + " prefix: " +
                                                 printable(entry.string()) + " is missing");
    }
    return {};
}

InterpreterStatus checkVenv(const std::string& venv) {
    if (venv.empty()) return {};
    if (!isValidUtf8(venv)) return failure(AICORE_INVALID_ARGUMENT, "python_venv '" + printable(venv) + "' is not UTF-8");
    std::error_code ec;
    if (!fs::is_directory(venv, ec))
        return failure(AICORE_NOT_FOUND, "python_venv '" + printable(venv) + "' is not a folder");
    return {};
}

bool samePlace(const std::string& a, const std::string& b) {
    if (a.empty() || b.empty()) return false;
    std::error_code ec;
    if (fs::equivalent(a, b, ec)) return true;
    std::error_code ecA, ecB;
    const fs::path canonicalA = fs::weakly_canonical(a, ecA), canonicalB = fs::weakly_canonical(b, ecB);
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
        if (InterpreterStatus home = checkHome(pythonHome); home.code != AICORE_OK) return home;
        PyConfig config;
        PyConfig_InitIsolatedConfig(&config);
        // The game owns signals and stdio; Python must not install handlers of its own.
        config.install_signal_handlers = 0;
        config.site_import = 1;
        PyStatus status = PyConfig_SetBytesString(&config, &config.home, pythonHome.c_str());
        if (!PyStatus_Exception(status))
            status = PyConfig_SetBytesString(&config, &config.program_name, "aicore");
        if (!PyStatus_Exception(status)) status = Py_InitializeFromConfig(&config);
        PyConfig_Clear(&config);
        if (PyStatus_Exception(status))
            return failure(AICORE_PYTHON_ERROR, statusError("Python could not start", status));
        gStartedHome = pythonHome;
        std::string error;
        if (!venv.empty()) error = addSiteDir(sitePackages(venv));
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
        if (std::string error = addSiteDir(sitePackages(venv)); !error.empty()) result = failure(AICORE_PYTHON_ERROR, error);
    }
    PyGILState_Release(gil);
    return result;
}

}  // namespace aicore::bridge
