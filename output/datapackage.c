/* datapackage: the datapackage.json of a CSV export (see datapackage.h). */
#include "datapackage.h"
#include "sim/base/grow.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    char *name, *type, *unit, *description;
    char **keys, **units;       /* value columns of long tables: unit by key */
    size_t nkeys, capk, capu;
} dp_field_t;

typedef struct {
    char *name, *path, *description;
    dp_field_t *fields;
    size_t n, cap;
} dp_res;

struct dp_pkg {
    char *title;
    dp_res *res;
    size_t n, cap;
};

/* The standard columns of the export's CSV files (docs/OUTPUT.md). */
static const struct { const char *name, *type, *unit, *description; } known[] = {
    { "variant", "string", NULL, "variant: the scenario file of a compare, key=value;... of a sweep grid point" },
    { "series", "string", NULL, "monthly series (docs/OUTPUT.md, /stats)" },
    { "total", "string", NULL, "per-path total (with its element in brackets in the sensitivity tables)" },
    { "time", "date", NULL, "first day of the month" },
    { "month", "yearmonth", NULL, "calendar month" },
    { "dim", "string", NULL, "dimension of the element (segment, cloud, contract, option); empty when none" },
    { "element", "string", NULL, "the segment, cloud, contract or option" },
    { "statistic", "string", NULL,
      "statistic over paths: mean, sd, se, min, max, q0.01 .. q0.99 (quantiles), ppos, pneg, es_lo, es_hi" },
    { "value", "number", NULL,
      "in the unit of the row's series or total (field property units); rows of ppos and pneg are "
      "probabilities (unit 1)" },
    { "path", "integer", NULL, "path index" },
    { "param", "string", NULL, "sampled uncertain value (its key path)" },
    { "rank_corr", "number", "1", "Spearman rank correlation of the total with the sampled value" },
    { "sobol_first", "number", "1", "first-order Sobol index" },
    { "sobol_first_ci", "number", "1", "first-order Sobol index, 95% confidence half-width" },
    { "sobol_total", "number", "1", "total Sobol index" },
    { "sobol_total_ci", "number", "1", "total Sobol index, 95% confidence half-width" },
    { "aggregate", "string", NULL, "unmet (H100e-hours of the year) or spend (nominal USD of the year)" },
    { "year", "integer", NULL, "calendar year" },
};

static char *dup(const char *s)
{
    return s && s[0] ? strdup(s) : NULL;
}

dp_pkg *dp_new(const char *title)
{
    dp_pkg *p = calloc(1, sizeof *p);
    if (p && title && title[0] && !(p->title = strdup(title))) {
        free(p);
        return NULL;
    }
    return p;
}

void dp_free(dp_pkg *p)
{
    if (!p) return;
    for (size_t i = 0; i < p->n; i++) {
        dp_res *r = &p->res[i];
        for (size_t j = 0; j < r->n; j++) {
            dp_field_t *f = &r->fields[j];
            free(f->name);
            free(f->type);
            free(f->unit);
            free(f->description);
            for (size_t k = 0; k < f->nkeys; k++) {
                free(f->keys[k]);
                free(f->units[k]);
            }
            free(f->keys);
            free(f->units);
        }
        free(r->fields);
        free(r->name);
        free(r->path);
        free(r->description);
    }
    free(p->res);
    free(p->title);
    free(p);
}

int dp_resource(dp_pkg *p, const char *file, const char *description)
{
    if (grow_array(&p->res, &p->cap, p->n + 1, sizeof *p->res, 16) != 0) return -1;
    dp_res *r = &p->res[p->n];
    memset(r, 0, sizeof *r);
    size_t len = strlen(file);
    if (len > 4 && !strcmp(file + len - 4, ".csv")) len -= 4;
    r->name = strndup(file, len);
    r->path = strdup(file);
    r->description = dup(description);
    if (!r->name || !r->path || (description && description[0] && !r->description)) {
        free(r->name);
        free(r->path);
        free(r->description);
        return -1;
    }
    return (int)p->n++;
}

int dp_field(dp_pkg *p, int ri, const char *name, const char *type, const char *unit, const char *description)
{
    dp_res *r = &p->res[ri];
    if (grow_array(&r->fields, &r->cap, r->n + 1, sizeof *r->fields, 16) != 0) return -1;
    dp_field_t *f = &r->fields[r->n];
    memset(f, 0, sizeof *f);
    f->name = strdup(name);
    f->type = strdup(type);
    f->unit = dup(unit);
    f->description = dup(description);
    if (!f->name || !f->type || (unit && unit[0] && !f->unit) || (description && description[0] && !f->description)) {
        free(f->name);
        free(f->type);
        free(f->unit);
        free(f->description);
        return -1;
    }
    r->n++;
    return 0;
}

int dp_header(dp_pkg *p, int ri, const char *header)
{
    const char *s = header;
    while (*s) {
        size_t len = strcspn(s, ",");
        if (len) {
            char *name = strndup(s, len);
            if (!name) return -1;
            int rc = -1, found = 0;
            for (size_t i = 0; i < sizeof known / sizeof *known && !found; i++)
                if (!strcmp(known[i].name, name)) {
                    found = 1;
                    rc = dp_field(p, ri, name, known[i].type, known[i].unit, known[i].description);
                }
            if (!found) rc = dp_field(p, ri, name, "number", NULL, NULL);
            free(name);
            if (rc < 0) return -1;
        }
        s += len;
        if (*s == ',') s++;
    }
    return 0;
}

int dp_value_unit(dp_pkg *p, int ri, const char *key, const char *unit)
{
    dp_res *r = &p->res[ri];
    dp_field_t *f = NULL;
    for (size_t j = 0; j < r->n && !f; j++)
        if (!strcmp(r->fields[j].name, "value")) f = &r->fields[j];
    if (!f || !unit || !unit[0]) return 0;
    for (size_t k = 0; k < f->nkeys; k++)
        if (!strcmp(f->keys[k], key)) return 0;
    if (grow_array(&f->keys, &f->capk, f->nkeys + 1, sizeof *f->keys, 32) != 0 ||
        grow_array(&f->units, &f->capu, f->nkeys + 1, sizeof *f->units, 32) != 0)
        return -1;
    f->keys[f->nkeys] = strdup(key);
    f->units[f->nkeys] = strdup(unit);
    if (!f->keys[f->nkeys] || !f->units[f->nkeys]) {
        free(f->keys[f->nkeys]);
        free(f->units[f->nkeys]);
        return -1;
    }
    f->nkeys++;
    return 0;
}

/* --- JSON ------------------------------------------------------------------------------ */

static void json_str(FILE *fp, const char *s)
{
    fputc('"', fp);
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        if (*c == '"' || *c == '\\') fprintf(fp, "\\%c", *c);
        else if (*c == '\n') fputs("\\n", fp);
        else if (*c == '\t') fputs("\\t", fp);
        else if (*c == '\r') fputs("\\r", fp);
        else if (*c < 0x20) fprintf(fp, "\\u%04x", *c);
        else fputc(*c, fp);   /* UTF-8 passes through */
    }
    fputc('"', fp);
}

static void json_kv(FILE *fp, const char *indent, const char *key, const char *value, int comma)
{
    fprintf(fp, "%s", indent);
    json_str(fp, key);
    fputs(": ", fp);
    json_str(fp, value);
    fputs(comma ? ",\n" : "\n", fp);
}

static void write_field(FILE *fp, const dp_field_t *f, int last)
{
    const char *in = "            ";
    fputs("          {\n", fp);
    json_kv(fp, in, "name", f->name, 1);
    json_kv(fp, in, "type", f->type, f->unit || f->description || f->nkeys);
    if (f->unit) json_kv(fp, in, "unit", f->unit, f->description || f->nkeys);
    if (f->description) json_kv(fp, in, "description", f->description, f->nkeys > 0);
    if (f->nkeys) {
        fprintf(fp, "%s\"units\": {", in);
        for (size_t k = 0; k < f->nkeys; k++) {
            fprintf(fp, "%s\n%s  ", k ? "," : "", in);
            json_str(fp, f->keys[k]);
            fputs(": ", fp);
            json_str(fp, f->units[k]);
        }
        fprintf(fp, "\n%s}\n", in);
    }
    fprintf(fp, "          }%s\n", last ? "" : ",");
}

int dp_write(const dp_pkg *p, FILE *fp)
{
    fputs("{\n", fp);
    json_kv(fp, "  ", "profile", "tabular-data-package", 1);
    json_kv(fp, "  ", "name", "capsim-export", 1);
    if (p->title) json_kv(fp, "  ", "title", p->title, 1);
    fputs("  \"resources\": [\n", fp);
    for (size_t i = 0; i < p->n; i++) {
        const dp_res *r = &p->res[i];
        const char *in = "      ";
        fputs("    {\n", fp);
        json_kv(fp, in, "name", r->name, 1);
        json_kv(fp, in, "path", r->path, 1);
        json_kv(fp, in, "profile", "tabular-data-resource", 1);
        json_kv(fp, in, "format", "csv", 1);
        json_kv(fp, in, "mediatype", "text/csv", 1);
        json_kv(fp, in, "encoding", "utf-8", 1);
        if (r->description) json_kv(fp, in, "description", r->description, 1);
        fprintf(fp, "%s\"dialect\": { \"delimiter\": \",\", \"lineTerminator\": \"\\n\", \"quoteChar\": \"\\\"\", "
                    "\"doubleQuote\": true, \"header\": true },\n", in);
        fprintf(fp, "%s\"schema\": {\n%s  \"missingValues\": [\"\"],\n%s  \"fields\": [\n", in, in, in);
        for (size_t j = 0; j < r->n; j++) write_field(fp, &r->fields[j], j + 1 == r->n);
        fprintf(fp, "%s  ]\n%s}\n", in, in);
        fprintf(fp, "    }%s\n", i + 1 == p->n ? "" : ",");
    }
    fputs("  ]\n}\n", fp);
    return ferror(fp) ? -1 : 0;
}
