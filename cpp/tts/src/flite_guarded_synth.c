#include "flite_guarded_synth.h"

#include <setjmp.h>

int aicore_flite_guarded_synth(cst_utterance* u) {
    /* Without a jump buffer cst_error() calls exit(): Flite would end the game. */
    jmp_buf* const previous = cst_errjmp;
    jmp_buf here;
    if (setjmp(here) != 0) {
        cst_errjmp = previous;
        return 0;
    }
    cst_errjmp = &here;
    const cst_utterance* const done = utt_synth(u);
    cst_errjmp = previous;
    return done != NULL;
}
