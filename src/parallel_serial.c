/* parallel.h for the single-threaded builds: every job runs on the calling thread. */
#include "parallel.h"

void gl_parallel_for(int n, int grain, gl_task task, void *ctx) {
    (void)grain;
    if (n > 0) task(ctx, 0, n);
}

int gl_thread_count(void) { return 1; }

int gl_set_thread_count(int n) {
    (void)n;
    return 1;
}
