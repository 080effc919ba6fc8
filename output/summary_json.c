/*
 * summary_json: the JSON writer of `capsim summary --json` (see summary_json.h).
 */
#include "summary_json.h"
#include "sim/base/json.h"

#include <math.h>
#include <string.h>

void sj_init(summary_json *j, FILE *f)
{
    memset(j, 0, sizeof *j);
    j->f = f;
    j->first[0] = 1;
}

/* The comma, newline and indentation before an item, and its key. */
static void item(summary_json *j, const char *key)
{
    if (j->depth > 0) fputs(j->first[j->depth] ? "\n" : ",\n", j->f);
    j->first[j->depth] = 0;
    fprintf(j->f, "%*s", 2 * j->depth, "");
    if (key) {
        json_write_string(j->f, key);
        fputs(": ", j->f);
    }
}

static void open_(summary_json *j, const char *key, char c)
{
    item(j, key);
    fputc(c, j->f);
    if (j->depth + 1 < SJ_MAX_DEPTH) j->depth++;
    j->first[j->depth] = 1;
}

void sj_obj(summary_json *j, const char *key) { open_(j, key, '{'); }
void sj_arr(summary_json *j, const char *key) { open_(j, key, '['); }

void sj_end(summary_json *j, char close)
{
    int empty = j->first[j->depth];
    if (j->depth > 0) j->depth--;
    if (!empty) fprintf(j->f, "\n%*s", 2 * j->depth, "");
    fputc(close, j->f);
    if (j->depth == 0) fputc('\n', j->f);
}

void sj_num(summary_json *j, const char *key, double x)
{
    item(j, key);
    if (!isfinite(x)) fputs("null", j->f);
    else if (x == floor(x) && fabs(x) < 1e15) fprintf(j->f, "%.0f", x);
    else fprintf(j->f, "%.17g", x);
}

void sj_u64(summary_json *j, const char *key, unsigned long long x)
{
    item(j, key);
    fprintf(j->f, "%llu", x);
}

void sj_str(summary_json *j, const char *key, const char *s)
{
    item(j, key);
    if (s) json_write_string(j->f, s);
    else fputs("null", j->f);
}

void sj_bool(summary_json *j, const char *key, int b)
{
    item(j, key);
    fputs(b ? "true" : "false", j->f);
}

void sj_null(summary_json *j, const char *key)
{
    item(j, key);
    fputs("null", j->f);
}
