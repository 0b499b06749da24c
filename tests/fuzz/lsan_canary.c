/* Leaks one allocation on purpose: `make test-leaks` requires LeakSanitizer to
 * report it before trusting LSan's silence about the real test binaries (LSan
 * cannot run under ptrace-restricted sandboxes, and then says nothing). */
#include <stdio.h>
#include <stdlib.h>

int main(void) {
    void *volatile leaked = malloc(24);
    printf("canary allocated %p\n", leaked);
    leaked = NULL;
    return 0;
}
