/* A drop-in replacement for src/arena.c (gl_arena_alloc and gl_arena_free; the
 * helpers in src/arena_helpers.c are shared) used by the fuzz and replay builds only:
 * every arena allocation is its own malloc, so AddressSanitizer puts red zones
 * around each one and reports an overrun of one arena object into the next (the
 * production arena packs them into 64 KB blocks, where ASan sees nothing). Same
 * contract as arena.h: 16-byte aligned, zeroed, NULL on overflow or exhaustion. */
#define _POSIX_C_SOURCE 200112L
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"

struct gl_arena_block {
    gl_arena_block *next;
    void *data;
};

void *gl_arena_alloc(gl_arena *a, size_t n) {
    size_t size = n ? n : 1;
    gl_arena_block *b = malloc(sizeof *b);
    if (!b) return NULL;
    if (posix_memalign(&b->data, 16, size)) {
        free(b);
        return NULL;
    }
    memset(b->data, 0, size);
    b->next = a->head;
    a->head = b;
    a->bytes += (n + 15) & ~(size_t)15;
    return b->data;
}


void gl_arena_free(gl_arena *a) {
    gl_arena_block *b = a->head;
    while (b) {
        gl_arena_block *next = b->next;
        free(b->data);
        free(b);
        b = next;
    }
    a->head = NULL;
    a->bytes = 0;
}
