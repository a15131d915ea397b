#pragma once
// The process's one embedded CPython: started once, never finalised (restarting an
// interpreter that has loaded numpy crashes), found from the runtime's config — never from
// the caller's PYTHONHOME/PYTHONPATH.
#include <string>

namespace aicore::bridge {

/// Starts the interpreter on first use and adds the venv's site-packages (processing its
/// .pth files, so editable installs work). Returns "" on success, or why it failed.
/// If the process already runs Python (libaicore loaded from Python), that one is used.
/// On return the calling thread does not hold the GIL.
std::string ensureInterpreter(const std::string& pythonHome, const std::string& venv);

}  // namespace aicore::bridge
