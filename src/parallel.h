/* Splitting one layer's work across the engine's threads.
 *
 * The single-threaded builds link parallel_serial.c (the task runs once, over the whole
 * range, on the calling thread); the pthreads build links parallel_pthread.c, a pool of
 * workers started once by gl_set_thread_count. Ranges are contiguous and each index is
 * computed by exactly one thread with the same arithmetic as in the serial build, so
 * results are bit-identical whatever the thread count. */
#ifndef GL_PARALLEL_H
#define GL_PARALLEL_H

/* Computes indices [begin, end) of a split job. */
typedef void (*gl_task)(void *ctx, int begin, int end);

/* Runs task over [0, n) cut into at most gl_thread_count() contiguous ranges whose
 * boundaries are multiples of grain (grain >= 1), one per thread, the caller's
 * included; returns when every range is done. Called from inside a task, or with n
 * no larger than grain, it runs task(ctx, 0, n) on the calling thread. */
void gl_parallel_for(int n, int grain, gl_task task, void *ctx);

/* Threads gl_parallel_for uses, the caller's included (1 in the serial builds). */
int gl_thread_count(void);

/* Asks for n threads in all, the caller's included; returns how many are now in use:
 * the pthreads build starts the missing workers (up to its compiled-in maximum, fewer
 * if the host refuses to create one) and parks the surplus; the serial builds stay at 1. */
int gl_set_thread_count(int n);

#endif
