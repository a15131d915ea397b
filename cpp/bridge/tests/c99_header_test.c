/* Compiled with -std=c99 -Wpedantic -Werror: proves aicore.h is C99, and that a
   C program links and calls the library. */
#include <stdio.h>
#include <string.h>

#include "aicore/aicore.h"

int main(void) {
    aicore_result r = AICORE_OK;
    if (aicore_api_version() != AICORE_API_VERSION) {
        fprintf(stderr, "API version mismatch: header %d, library %d\n", AICORE_API_VERSION,
                aicore_api_version());
        return 1;
    }
    if (strcmp(aicore_result_string(r), "ok") != 0) return 2;
    if (aicore_version() == NULL || strlen(aicore_version()) < 5) return 3;
    printf("aicore %s (C ABI %d) from C99\n", aicore_version(), aicore_api_version());
    return 0;
}
