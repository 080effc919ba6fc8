/* progress: see progress.h. */
#include "progress.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

double progress_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void progress_start(progress *p, uint64_t total, int quiet)
{
    p->enabled = !quiet && isatty(fileno(stderr));
    p->total = total;
    p->t_start = progress_now();
    p->t_last = 0.0;
}

static void draw(const progress *p, uint64_t done, double now)
{
    double elapsed = now - p->t_start;
    double rate = elapsed > 0 ? (double)done / elapsed : 0.0;
    double left = rate > 0 && p->total > done ? (double)(p->total - done) / rate : 0.0;
    fprintf(stderr, "\r%llu/%llu paths  %.0f paths/s  %.0f s left   ",
            (unsigned long long)done, (unsigned long long)p->total, rate, left);
    fflush(stderr);
}

void progress_update(progress *p, uint64_t done)
{
    if (!p->enabled) return;
    double now = progress_now();
    if (now - p->t_last < 0.25) return;
    p->t_last = now;
    draw(p, done, now);
}

void progress_finish(progress *p, uint64_t done)
{
    if (!p->enabled) return;
    draw(p, done, progress_now());
    fputc('\n', stderr);
}
