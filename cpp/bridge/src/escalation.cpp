#include "escalation.h"

namespace aicore::bridge {

namespace {

// The trace's argument: (exception type, runtime folder as str). Owned by the thread state
// that carries the trace (CPython takes a reference), freed when the trace is removed.
int raiseInScriptCode(PyObject* arg, PyFrameObject* frame, int what, PyObject* /*eventArg*/) {
    // Only as a line starts or a function is entered: raising on an "exception" or "return"
    // event would replace the exception being raised, and its traceback with it.
    if (what != PyTrace_LINE && what != PyTrace_CALL) return 0;
    PyObject* exception = PyTuple_GET_ITEM(arg, 0);
    PyObject* runtimeDir = PyTuple_GET_ITEM(arg, 1);
    PyCodeObject* code = PyFrame_GetCode(frame);
    const Py_ssize_t spared =
        PyUnicode_Tailmatch(code->co_filename, runtimeDir, 0, PY_SSIZE_T_MAX, -1);  // a prefix match
    Py_DECREF(code);
    if (spared != 0) {  // 1: the runtime's own frame; -1: not a str, never raise blindly
        if (spared < 0) PyErr_Clear();
        return 0;
    }
    PyErr_SetNone(exception);
    return -1;
}

}  // namespace

bool escalateInterrupt(unsigned long threadId, PyObject* exception, const std::string& runtimeDir) {
    PyThreadState* target = nullptr;
    for (PyThreadState* ts = PyInterpreterState_ThreadHead(PyInterpreterState_Get()); ts != nullptr;
         ts = PyThreadState_Next(ts)) {
        if (ts->thread_id != threadId) continue;
        PyFrameObject* frame = PyThreadState_GetFrame(ts);
        if (frame == nullptr) continue;
        Py_DECREF(frame);
        target = ts;
        break;
    }
    if (target == nullptr) return false;
    PyObject* dir = PyUnicode_FromStringAndSize(runtimeDir.data(), static_cast<Py_ssize_t>(runtimeDir.size()));
    if (dir == nullptr) {
        PyErr_Clear();
        return false;
    }
    PyObject* arg = PyTuple_Pack(2, exception, dir);
    Py_DECREF(dir);
    if (arg == nullptr) {
        PyErr_Clear();
        return false;
    }
    const int failed = _PyEval_SetTrace(target, raiseInScriptCode, arg);
    Py_DECREF(arg);  // the thread state holds its own reference
    if (failed != 0) {
        PyErr_Clear();
        return false;
    }
    return true;
}

}  // namespace aicore::bridge
