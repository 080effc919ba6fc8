/*
 * progress: the one-line progress report on stderr (paths done, rate, time left),
 * shown only when stderr is a terminal and not --quiet. Redraws at most every 0.25 s.
 */
#ifndef CAPSIM_PROGRESS_H
#define CAPSIM_PROGRESS_H

#include <stdint.h>

typedef struct {
    int enabled;
    uint64_t total;
    double t_start, t_last;
} progress;

/* Wall-clock seconds (monotonic). */
double progress_now(void);
void progress_start(progress *p, uint64_t total, int quiet);
void progress_update(progress *p, uint64_t done);
void progress_finish(progress *p, uint64_t done);

#endif
