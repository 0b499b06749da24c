#include "arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct gl_arena_block {
    gl_arena_block *next;
    size_t size, used;
    _Alignas(16) unsigned char data[];
};

enum { BLOCK_MIN = 1 << 16 };

void *gl_arena_alloc(gl_arena *a, size_t n) {
    n = (n + 15) & ~(size_t)15;
    if (n == 0) n = 16;
    gl_arena_block *b = a->head;
    if (!b || b->size - b->used < n) {
        size_t size = n > BLOCK_MIN ? n : BLOCK_MIN;
        if (size > SIZE_MAX - sizeof *b) return NULL;
        b = malloc(sizeof *b + size);
        if (!b) return NULL;
        b->size = size;
        b->used = 0;
        /* A block larger than the current one is put behind it so the current
         * block's free tail stays usable for the small allocations that follow. */
        if (a->head && size > BLOCK_MIN) {
            b->next = a->head->next;
            a->head->next = b;
        } else {
            b->next = a->head;
            a->head = b;
        }
    }
    void *p = b->data + b->used;
    b->used += n;
    a->bytes += n;
    memset(p, 0, n);
    return p;
}

void gl_arena_free(gl_arena *a) {
    gl_arena_block *b = a->head;
    while (b) {
        gl_arena_block *next = b->next;
        free(b);
        b = next;
    }
    a->head = NULL;
    a->bytes = 0;
}
