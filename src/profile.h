/* Per-node timing (profile.c): the clock and the FLOPs of a node, for exec.c and inspect.c. */
#ifndef GL_PROFILE_H
#define GL_PROFILE_H

#include "graph.h"

/* A monotonic clock in milliseconds. */
double gl_clock_ms(void);
/* 2 x the multiply-adds per image of a Conv, Gemm or MatMul node; 0 for others. */
double gl_node_flops(const gl_graph *g, const gl_node *node);

#endif
