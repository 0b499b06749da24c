/* A bump allocator over malloc'd blocks: everything a model builds at load time
 * (names, attributes, decoded and prepacked weights) lives in one arena and is
 * released in one call, so the loader's many error paths need no cleanup code. */
#ifndef GL_ARENA_H
#define GL_ARENA_H

#include <stddef.h>

typedef struct gl_arena_block gl_arena_block;
typedef struct {
    gl_arena_block *head;
    size_t bytes;   /* total handed out, for inspection */
} gl_arena;

/* 16-byte aligned (SIMD loads), zeroed; NULL when out of memory or n overflows. */
void *gl_arena_alloc(gl_arena *a, size_t n);
/* n elements of size each, with overflow check. */
void *gl_arena_array(gl_arena *a, size_t n, size_t size);
char *gl_arena_strndup(gl_arena *a, const char *s, size_t n);
void gl_arena_free(gl_arena *a);

#endif
