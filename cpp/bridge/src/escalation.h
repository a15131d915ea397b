#pragma once
// The last resort against a script that swallows its budget interrupt
// (`while True: try: ... except BaseException: pass`): a trace function installed on the
// game thread that raises the interrupt again as each line of script code starts and each
// script function is entered — including the first line of the script's own `except` block, so no handler in
// Python can hold it — and never in the runtime's own frames, where the scheduler catches
// it. The game thread removes it (sys.settrace(None)) when it disarms the handler.
//
// CPython 3.11 has no public call to set another thread's trace function; this uses
// _PyEval_SetTrace(tstate, ...), the one threading.settrace_all_threads is built on in 3.12,
// called with the GIL held while the game thread waits for it.
#include <Python.h>

#include <string>

namespace aicore::bridge {

/// GIL held. Install the trace on the thread `threadId` (the one with a running frame, if an
/// unstarted thread shares its id). Frames whose file starts with `runtimeDir` are spared.
/// Returns false if no such thread runs Python now.
bool escalateInterrupt(unsigned long threadId, PyObject* exception, const std::string& runtimeDir);

}  // namespace aicore::bridge
