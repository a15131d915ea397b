#pragma once
// The process's one embedded CPython: started once, never finalised (restarting an
// interpreter that has loaded numpy crashes), found from the runtime's config — never from
// the caller's PYTHONHOME/PYTHONPATH.
#include <string>

#include "aicore/aicore.h"

namespace aicore::bridge {

struct InterpreterStatus {
    aicore_result code = AICORE_OK;
    std::string message;  // why, when code is not AICORE_OK (caller bytes already escaped)
};

/// Starts the interpreter on first use and adds the venv's site-packages (processing its
/// .pth files, so editable installs work).
///
/// Before anything is initialised, `pythonHome` is checked to be this build's Python prefix
/// (lib/pythonX.Y/os.py and lib/pythonX.Y/encodings/ exist; Lib\os.py and Lib\encodings\ on
/// Windows): a wrong folder is refused with AICORE_NOT_FOUND naming what is missing and
/// leaves the process as it was, so a later call with the right folder still starts Python.
/// A missing `venv` folder is AICORE_NOT_FOUND too. An empty `pythonHome` means the packaged
/// runtime's Python, `python/` beside the folder libaicore was loaded from (python_layout.h),
/// checked the same way; AICORE_INVALID_ARGUMENT only if the loader cannot say where
/// libaicore is. Python failing to start from a valid prefix is AICORE_PYTHON_ERROR.
///
/// Once Python runs (started by an earlier call, or the process is a Python process that
/// loaded libaicore), it is used as it is: an empty `pythonHome` or one naming the running
/// interpreter's prefix is accepted; any other is refused with AICORE_INVALID_ARGUMENT
/// (CPython cannot be restarted from another prefix in the same process).
/// On return the calling thread does not hold the GIL.
InterpreterStatus ensureInterpreter(const std::string& pythonHome, const std::string& venv);

}  // namespace aicore::bridge
