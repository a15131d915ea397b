// Version and result-code queries: the part of the ABI an engine calls first,
// to check it loaded the library it was compiled against.
#include <Python.h>

#include "aicore/aicore.h"
#include "aicore/vocal/version.h"

extern "C" {

const char* aicore_version(void) { return aicore::vocal::versionString(); }

int aicore_api_version(void) { return AICORE_API_VERSION; }

const char* aicore_python_version(void) { return PY_VERSION; }

const char* aicore_result_string(aicore_result result) {
    switch (result) {
        case AICORE_OK: return "ok";
        case AICORE_ERROR: return "error (see the handle's last error)";
        case AICORE_INVALID_ARGUMENT: return "invalid argument";
        case AICORE_OUT_OF_MEMORY: return "out of memory";
        case AICORE_NOT_FOUND: return "not found";
        case AICORE_BAD_MESSAGE: return "malformed or unsupported message";
        case AICORE_FULL: return "queue or pool full";
        case AICORE_SCRIPT_ERROR: return "script error (the runtime carried on)";
        case AICORE_PYTHON_ERROR: return "embedded Python could not start";
        case AICORE_BUSY: return "busy: another call is in flight; nothing was changed, call again";
        case AICORE_INCOMPLETE: return "incomplete: the rest of the work was kept for the next call";
        case AICORE_IO_ERROR: return "input/output error: the disk is full or read-only, or refused";
        case AICORE_CORRUPT: return "a save file is damaged or not a save this library reads";
        case AICORE_UNAVAILABLE: return "unavailable: the cloud gateway cannot be reached now; try again later";
    }
    return "unknown result code";
}

}  // extern "C"
