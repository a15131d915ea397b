#include "python_interpreter.h"

#include <Python.h>

#include <filesystem>
#include <mutex>

namespace aicore::bridge {

namespace {

std::mutex gInitMutex;  // create/destroy are rare; the lock never touches a frame

std::string statusError(const char* what, PyStatus status) {
    std::string msg = what;
    if (status.err_msg != nullptr) msg += std::string(": ") + status.err_msg;
    return msg;
}

std::string sitePackages(const std::string& prefix) {
    return (std::filesystem::path(prefix) / "lib" /
            ("python" + std::to_string(PY_MAJOR_VERSION) + "." + std::to_string(PY_MINOR_VERSION)) /
            "site-packages")
        .string();
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
        return "site.addsitedir(" + dir + ") failed";
    }
    Py_DECREF(result);
    return {};
}

}  // namespace

std::string ensureInterpreter(const std::string& pythonHome, const std::string& venv) {
    std::lock_guard lock(gInitMutex);
    if (!Py_IsInitialized()) {
        if (pythonHome.empty()) return "python_home is not set in the runtime config";
        if (!std::filesystem::is_directory(pythonHome)) return "python_home " + pythonHome + " is not a folder";
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
        if (PyStatus_Exception(status)) return statusError("Python could not start", status);
        std::string error;
        if (!venv.empty()) error = addSiteDir(sitePackages(venv));
        // Release the GIL: from now on each tick takes it once and gives it back.
        PyEval_SaveThread();
        return error;
    }
    // Already running (our earlier runtime, or a host Python process): just add the venv.
    if (venv.empty()) return {};
    const PyGILState_STATE gil = PyGILState_Ensure();
    std::string error = addSiteDir(sitePackages(venv));
    PyGILState_Release(gil);
    return error;
}

}  // namespace aicore::bridge
