/* Arena helpers built on gl_arena_alloc alone, so that the fuzz builds can swap
 * the allocator (tests/fuzz/arena_asan.c) and keep these. */
#include <stdint.h>
#include <string.h>

#include "arena.h"

void *gl_arena_array(gl_arena *a, size_t n, size_t size) {
    if (size && n > SIZE_MAX / size) return NULL;
    return gl_arena_alloc(a, n * size);
}

char *gl_arena_strndup(gl_arena *a, const char *s, size_t n) {
    if (n == SIZE_MAX) return NULL; /* n + 1 would wrap to 0 */
    char *d = gl_arena_alloc(a, n + 1);
    if (d) memcpy(d, s, n);
    return d;
}
