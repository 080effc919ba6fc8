/*
 * summary_json: a small streaming JSON writer for `capsim summary --json` (the shape is
 * in docs/OUTPUT.md, "summary --json"). Keys are given inside objects and NULL inside
 * arrays; commas and indentation are the writer's. Numbers are written to 17
 * significant digits (they read back exactly); NaN and infinities as null.
 */
#ifndef CAPSIM_SUMMARY_JSON_H
#define CAPSIM_SUMMARY_JSON_H

#include <stdio.h>

#define SJ_MAX_DEPTH 32

typedef struct {
    FILE *f;
    int depth;
    unsigned char first[SJ_MAX_DEPTH];   /* nothing written yet at this depth */
} summary_json;

void sj_init(summary_json *j, FILE *f);
void sj_obj(summary_json *j, const char *key);   /* open { */
void sj_arr(summary_json *j, const char *key);   /* open [ */
void sj_end(summary_json *j, char close);         /* '}' or ']' */
void sj_num(summary_json *j, const char *key, double x);
void sj_u64(summary_json *j, const char *key, unsigned long long x);
void sj_str(summary_json *j, const char *key, const char *s);   /* NULL: null */
void sj_bool(summary_json *j, const char *key, int b);
void sj_null(summary_json *j, const char *key);

#endif
