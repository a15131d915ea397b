// The one call into Flite that may fail through cst_error(): a C function so that Flite's
// longjmp on error lands in a C frame and skips no C++ destructor.
#pragma once

#include "flite.h"

#ifdef __cplusplus
extern "C" {
#endif

/// Run utt_synth(u) with Flite's error jump buffer pointing here. Returns 1 when the
/// utterance was synthesised, 0 when Flite failed (then `u` may be half-built: do not
/// free it). The caller holds the lock that serialises every Flite call.
int aicore_flite_guarded_synth(cst_utterance* u);

#ifdef __cplusplus
}
#endif
