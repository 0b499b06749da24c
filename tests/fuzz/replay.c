/* Replays fuzz inputs through a target without libFuzzer: the committed
 * regressions run under plain ASan + UBSan (gcc or clang), so CI does not
 * depend on the fuzzer finding a crash again.
 * Usage: replay_<target> FILE_OR_DIRECTORY...   (directories: every file in them) */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "replay: cannot open %s\n", path);
        return 1;
    }
    size_t cap = 1 << 16, len = 0, got;
    uint8_t *data = malloc(cap);
    while (data && (got = fread(data + len, 1, cap - len, f)) > 0)
        if ((len += got) == cap) data = realloc(data, cap *= 2);
    fclose(f);
    if (!data) return 1;
    /* an exact-size copy, so ASan sees a read past the input's end */
    uint8_t *exact = malloc(len ? len : 1);
    memcpy(exact, data, len);
    free(data);
    LLVMFuzzerTestOneInput(exact, len);
    free(exact);
    return 0;
}

int main(int argc, char **argv) {
    int files = 0, failed = 0;
    for (int a = 1; a < argc; a++) {
        struct stat st;
        if (stat(argv[a], &st)) {
            fprintf(stderr, "replay: no such file or directory: %s\n", argv[a]);
            failed++;
            continue;
        }
        if (!S_ISDIR(st.st_mode)) {
            failed += replay_file(argv[a]);
            files++;
            continue;
        }
        DIR *dir = opendir(argv[a]);
        for (struct dirent *e; dir && (e = readdir(dir));) {
            if (e->d_name[0] == '.') continue;
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", argv[a], e->d_name);
            if (stat(path, &st) || S_ISDIR(st.st_mode)) continue;
            failed += replay_file(path);
            files++;
        }
        if (dir) closedir(dir);
    }
    printf("replayed %d inputs\n", files);
    return failed != 0;
}
