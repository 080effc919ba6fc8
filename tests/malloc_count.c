/*
 * malloc_count: an LD_PRELOAD shim for tests/cli_engine.sh. Counts the calls to malloc,
 * calloc and realloc of a process and writes the total to the file named by
 * MALLOC_COUNT_OUT at exit. The test compares a run of N paths with one of 10 N: the
 * path loop must not allocate, so the difference is only the per-batch work of HDF5.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

static atomic_long calls;
static void *(*real_malloc)(size_t);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);

/* dlsym may itself call calloc before real_calloc is known: serve that from here. */
static _Alignas(max_align_t) char boot[4096];
static size_t boot_used;

void *malloc(size_t n)
{
    if (!real_malloc) real_malloc = (void *(*)(size_t))dlsym(RTLD_NEXT, "malloc");
    calls++;
    return real_malloc(n);
}

void *calloc(size_t n, size_t size)
{
    if (!real_calloc) {
        static int looking;
        if (looking) {
            size_t need = (n * size + 15) & ~(size_t)15;
            if (boot_used + need > sizeof boot) return NULL;
            boot_used += need;
            return boot + boot_used - need;   /* static storage: already zero */
        }
        looking = 1;
        real_calloc = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "calloc");
        looking = 0;
    }
    calls++;
    return real_calloc(n, size);
}

void *realloc(void *p, size_t n)
{
    if (!real_realloc) real_realloc = (void *(*)(void *, size_t))dlsym(RTLD_NEXT, "realloc");
    calls++;
    return real_realloc(p, n);
}

__attribute__((destructor)) static void report(void)
{
    const char *path = getenv("MALLOC_COUNT_OUT");
    FILE *f = path ? fopen(path, "w") : NULL;
    if (!f) return;
    fprintf(f, "%ld\n", (long)calls);
    fclose(f);
}
