#pragma once
// The Python half of a runtime (python_side.cpp): started by aicore_runtime_create,
// stopped by aicore_runtime_destroy, asked about kinds by spawn and kind_find.
#include <string>

#include "runtime_state.h"

namespace aicore::bridge {

/// Starts the interpreter if need be, then the Bridge, World, watchdog and Runtime of `rt`,
/// and reads the content problems. AICORE_OK, or the code with rt.lastError set.
aicore_result createPythonSide(aicore_runtime& rt);

/// Stops what createPythonSide started (whatever part of it did start).
void releasePythonSide(aicore_runtime& rt);

/// The message for a kind no loaded script defines, with the kinds that are (GIL held).
std::string unknownKindMessage(const aicore_runtime& rt, const char* kind);

/// Why `kind` cannot be spawned, or AICORE_OK (GIL held): AICORE_NOT_FOUND for a kind no
/// loaded script defines, AICORE_SCRIPT_ERROR for one whose script failed to load.
aicore_result kindRefusal(const aicore_runtime& rt, const char* kind, std::string& why);

}  // namespace aicore::bridge
