/* Status codes and the last error message.
 *
 * Every fallible engine function returns a gl_status and, on failure, leaves a
 * human-readable message (naming the model node, tensor or argument at fault) in a
 * buffer that gl_last_error() returns. The JS wrapper turns the pair into an Error.
 * Nothing in the engine aborts: bad input is an error, never a trap. */
#ifndef GL_STATUS_H
#define GL_STATUS_H

#include "gradlens.h"

/* Formats the message and returns code, so failures read `return gl_fail(...)`. */
gl_status gl_fail(gl_status code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Prefixes the current message with more context ("node 'conv1': " + message). */
gl_status gl_fail_context(gl_status code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
