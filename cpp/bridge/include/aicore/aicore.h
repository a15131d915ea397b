/*
 * AI Core — the C ABI an engine links against.
 *
 * Conventions (the sqlite3 / miniaudio style):
 *   - Every function returns an aicore_result unless it can't fail.
 *   - Strings returned by the library are static and owned by the library;
 *     the caller never frees them.
 *   - Compiles as C99 and as C++.
 *
 * AICORE_API_VERSION is bumped on every incompatible change; compare it with
 * aicore_api_version() at run time to detect a mismatched shared library.
 */
#ifndef AICORE_AICORE_H
#define AICORE_AICORE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#  if defined(AICORE_BUILDING_LIBRARY)
#    define AICORE_API __declspec(dllexport)
#  else
#    define AICORE_API __declspec(dllimport)
#  endif
#else
#  define AICORE_API __attribute__((visibility("default")))
#endif

#define AICORE_API_VERSION 1

typedef enum aicore_result {
    AICORE_OK = 0,
    AICORE_ERROR = 1,            /* generic failure; see the handle's last error */
    AICORE_INVALID_ARGUMENT = 2, /* a NULL or out-of-range argument */
    AICORE_OUT_OF_MEMORY = 3,
    AICORE_NOT_FOUND = 4,        /* a named file, script, model or slot is missing */
    AICORE_BAD_MESSAGE = 5,      /* a malformed or unsupported msgpack message */
    AICORE_FULL = 6,             /* a queue or pool is full; nothing was waited on */
    AICORE_SCRIPT_ERROR = 7,     /* a designer script failed; the runtime carried on */
    AICORE_PYTHON_ERROR = 8      /* the embedded interpreter could not start */
} aicore_result;

/* Library version "MAJOR.MINOR.PATCH". Static string, owned by the library. */
AICORE_API const char* aicore_version(void);

/* The AICORE_API_VERSION the library was built with. */
AICORE_API int aicore_api_version(void);

/* A short English description of a result code. Static string, never NULL. */
AICORE_API const char* aicore_result_string(aicore_result result);

/* The "MAJOR.MINOR.MICRO" version of the CPython the library embeds.
   Static string, owned by the library. */
AICORE_API const char* aicore_python_version(void);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* AICORE_AICORE_H */
