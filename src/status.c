#include "status.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static char last_error[1024];

const char *gl_last_error(void) { return last_error; }

gl_status gl_fail(gl_status code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_error, sizeof last_error, fmt, ap);
    va_end(ap);
    return code;
}

gl_status gl_fail_context(gl_status code, const char *fmt, ...) {
    char inner[sizeof last_error];
    memcpy(inner, last_error, sizeof inner);
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(last_error, sizeof last_error, fmt, ap);
    va_end(ap);
    if (n >= 0 && (size_t)n < sizeof last_error) {
        size_t room = sizeof last_error - (size_t)n;
        strncpy(last_error + n, inner, room - 1);
        last_error[sizeof last_error - 1] = '\0';
    }
    return code;
}
