/*
 * schema: matching key paths against the table, and the table as a JSON Schema and as
 * Markdown (see schema.h; the rows are in schema_table.c).
 */
#include "schema.h"
#include "scenario.h"
#include "dist_forms.h"
#include "sim/base/json.h"
#include "sim/random/dist.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const type_names[SCHEMA_NTYPES] = {
    [SCHEMA_MAP] = "mapping",
    [SCHEMA_NAMED] = "mapping of names",
    [SCHEMA_LIST] = "list",
    [SCHEMA_NUMBER] = "number",
    [SCHEMA_INTEGER] = "whole number",
    [SCHEMA_UNCERTAIN] = "number or distribution",
    [SCHEMA_MONTHLY] = "number or distribution (monthly draws)",
    [SCHEMA_STRING] = "string",
    [SCHEMA_NAME] = "name",
    [SCHEMA_REF] = "name of a",
    [SCHEMA_BOOL] = "true or false",
    [SCHEMA_ENUM] = "one of",
    [SCHEMA_MONTH] = "month YYYY-MM",
    [SCHEMA_SEED] = "whole number (64-bit)",
    [SCHEMA_SEGMENTS] = "list of segment names",
    [SCHEMA_WINDOW] = "[YYYY-MM, YYYY-MM]",
    [SCHEMA_PAIR] = "[key.path, key.path, rho]",
    [SCHEMA_KEYPATHS] = "list of key paths",
    [SCHEMA_WEIGHTS] = "number or list of numbers",
    [SCHEMA_SERIES] = "all, totals or list of series",
};

const char *schema_type_name(schema_type t)
{
    return (int)t >= 0 && t < SCHEMA_NTYPES ? type_names[t] : "unknown";
}

/* ---- key paths ---- */

/* Length of the first segment of p: up to a dot outside <...>. */
static size_t seg_len(const char *p)
{
    int depth = 0;
    size_t i = 0;
    for (; p[i]; i++) {
        if (p[i] == '<') depth++;
        else if (p[i] == '>') depth--;
        else if (p[i] == '.' && depth == 0) break;
    }
    return i;
}

static int is_multi(const char *seg, size_t n)
{
    return n > 2 && seg[0] == '<' && memchr(seg, '.', n) != NULL;
}

static int match_at(const char *pat, const char *kp)
{
    size_t pn = seg_len(pat), kn = strcspn(kp, ".");
    const char *pnext = pat[pn] ? pat + pn + 1 : NULL;
    if (pn > 1 && pat[0] == '<' && pat[pn - 1] == '>') {
        if (is_multi(pat, pn)) {   /* one or more segments: try each split */
            for (const char *k = kp;;) {
                size_t n = strcspn(k, ".");
                if (n == 0) return 0;
                if (!k[n]) return pnext == NULL;
                if (pnext && match_at(pnext, k + n + 1)) return 1;
                k += n + 1;
            }
        }
        if (kn == 0) return 0;
    } else if (pn != kn || strncmp(pat, kp, pn) != 0) {
        return 0;
    }
    if (!pnext) return kp[kn] == '\0';
    return kp[kn] == '.' && match_at(pnext, kp + kn + 1);
}

int schema_match(const char *pattern, const char *kp)
{
    return match_at(pattern, kp);
}

const schema_entry *schema_find(const char *kp)
{
    /* From the end: children follow their parent, and a child is the closer match when
     * a <key.path> placeholder could also swallow its last segment. */
    for (size_t i = schema_nentries; i-- > 0;)
        if (schema_match(schema_entries[i].path, kp)) return &schema_entries[i];
    return NULL;
}

/* Length of the parent's path (0 at the top). */
static size_t parent_len(const char *path)
{
    size_t last = 0;
    for (size_t i = 0; path[i];) {
        size_t n = seg_len(path + i);
        if (!path[i + n]) break;
        last = i + n;
        i += n + 1;
    }
    return last;
}

static int is_child(const char *parent, const char *path)
{
    size_t pl = parent_len(path), n = strlen(parent);
    return pl == n && strncmp(parent, path, n) == 0;
}

static const char *last_seg(const char *path)
{
    size_t pl = parent_len(path);
    return pl ? path + pl + 1 : path;
}

/* ---- numbers as text ---- */

static void num_text(double x, char *buf, size_t len)
{
    if (isinf(x)) snprintf(buf, len, x > 0 ? ".inf" : "-.inf");
    else if (x == floor(x) && fabs(x) < 1e7) snprintf(buf, len, "%.0f", x);
    else snprintf(buf, len, "%.15g", x);
}

/* JSON number (infinities have no JSON spelling: callers leave them out). */
static void json_num(FILE *f, double x)
{
    if (x == floor(x) && fabs(x) < 1e15) fprintf(f, "%.0f", x);
    else fprintf(f, "%.17g", x);
}


/* A new line at depth n (two spaces a level), then text (may be ""). */
static void line(FILE *f, int n, const char *text)
{
    fprintf(f, "\n%*s%s", 2 * n, "", text);
}

/* ---- distributions ---- */

/* The keys a family takes: dist, its params, the other pairs it may be written with
 * (dist_forms.h), values/weights (discrete), min/max (truncatable). */
static size_t family_keys(const dist_family_type *t, const char **keys)
{
    size_t n = 0;
    keys[n++] = "dist";
    for (int i = 0; i < t->np; i++) keys[n++] = t->params[i];
    const char *forms[DIST_FORMS_MAX][2];
    int nf = dist_forms_of(t->family, forms);
    for (int f = 1; f < nf; f++)
        for (int j = 0; j < 2; j++) {
            int seen = 0;
            for (size_t i = 0; i < n; i++) seen |= strcmp(keys[i], forms[f][j]) == 0;
            if (!seen) keys[n++] = forms[f][j];
        }
    if (t->family == DIST_DISCRETE) {
        keys[n++] = "values";
        keys[n++] = "weights";
    }
    if (t->truncatable) {
        keys[n++] = "min";
        keys[n++] = "max";
    }
    return n;
}

static void print_dist_schema(FILE *f, int d)
{
    fputs("{", f);
    line(f, d + 1, "\"description\": \"A distribution {dist: FAMILY, ...}: see docs/SCENARIO.md, Distributions\",");
    line(f, d + 1, "\"type\": \"object\",");
    line(f, d + 1, "\"required\": [\"dist\"],");
    line(f, d + 1, "\"properties\": {");
    line(f, d + 2, "\"dist\": {\"enum\": [");
    int first = 1;
    for (int i = 0; i < DIST_NFAMILIES; i++)
        if (dist_families[i].usage) {
            fprintf(f, "%s\"%s\"", first ? "" : ", ", dist_families[i].name);
            first = 0;
        }
    fputs("]},", f);
    static const char *const nums[] = { "mean", "sd", "median", "sigma", "mode", "p10", "p90", "min", "max" };
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
        line(f, d + 2, "");
        fprintf(f, "\"%s\": {\"type\": \"number\"},", nums[i]);
    }
    line(f, d + 2, "\"values\": {\"type\": \"array\", \"minItems\": 1, \"items\": {\"type\": \"number\"}},");
    line(f, d + 2, "\"weights\": {\"type\": \"array\", \"minItems\": 1, \"items\": {\"type\": \"number\", \"minimum\": 0}}");
    line(f, d + 1, "},");
    line(f, d + 1, "\"allOf\": [");
    first = 1;
    for (int i = 0; i < DIST_NFAMILIES; i++) {
        const dist_family_type *t = &dist_families[i];
        if (!t->usage) continue;
        const char *keys[16];
        size_t n = family_keys(t, keys);
        fputs(first ? "" : ",", f);
        first = 0;
        line(f, d + 2, "");
        fprintf(f, "{\"if\": {\"properties\": {\"dist\": {\"const\": \"%s\"}}}, "
                "\"then\": {\"description\": ", t->name);
        json_write_string(f, t->usage);
        fputs(", \"propertyNames\": {\"enum\": [", f);
        for (size_t k = 0; k < n; k++) fprintf(f, "%s\"%s\"", k ? ", " : "", keys[k]);
        fputs("]}}}", f);
    }
    line(f, d + 1, "]");
    line(f, d, "}");
}

/* ---- JSON Schema ---- */

#define NAME_PATTERN "^(?![0-9]+$)[A-Za-z0-9_-]{1,63}$"
#define MONTH_PATTERN "^[0-9]{4}-(0?[1-9]|1[0-2])$"

static void print_number_schema(FILE *f, const schema_entry *e, int integer)
{
    fprintf(f, "{\"type\": \"%s\"", integer ? "integer" : "number");
    if (e->flags & SCHEMA_RANGED) {
        if (isfinite(e->lo)) {
            fprintf(f, ", \"%s\": ", e->flags & SCHEMA_LO_OPEN ? "exclusiveMinimum" : "minimum");
            json_num(f, e->lo);
        }
        if (isfinite(e->hi)) {
            fprintf(f, ", \"%s\": ", e->flags & SCHEMA_HI_OPEN ? "exclusiveMaximum" : "maximum");
            json_num(f, e->hi);
        }
    }
    fputs("}", f);
}

static void print_entry(FILE *f, size_t i, int partial, int d);

/* The description string of e: its line, unit and default. */
static void print_desc(FILE *f, const schema_entry *e)
{
    char buf[1024];
    int n = snprintf(buf, sizeof buf, "%s", e->desc);
    if (e->unit && n < (int)sizeof buf) n += snprintf(buf + n, sizeof buf - (size_t)n, " [%s]", e->unit);
    if (e->def && n < (int)sizeof buf) snprintf(buf + n, sizeof buf - (size_t)n, " (default %s)", e->def);
    fputs("\"description\": ", f);
    json_write_string(f, buf);
}

static void print_object(FILE *f, size_t i, const char *path, int partial, int top, int d)
{
    fputs("\"type\": \"object\",", f);
    line(f, d, "\"properties\": {");
    int first = 1, nreq = 0;
    for (size_t j = 0; j < schema_nentries; j++) {
        const schema_entry *c = &schema_entries[j];
        if (j == i || !is_child(path, c->path)) continue;
        if (top && !partial && strcmp(c->path, "remove") == 0) continue;   /* only with extends */
        fputs(first ? "" : ",", f);
        first = 0;
        line(f, d + 1, "");
        json_write_string(f, last_seg(c->path));
        fputs(": ", f);
        print_entry(f, j, partial, d + 1);
        nreq += (c->flags & SCHEMA_REQUIRED) != 0;
    }
    line(f, d, "},");
    if (!partial && nreq) {
        line(f, d, "\"required\": [");
        first = 1;
        for (size_t j = 0; j < schema_nentries; j++) {
            const schema_entry *c = &schema_entries[j];
            if (j == i || !is_child(path, c->path) || !(c->flags & SCHEMA_REQUIRED)) continue;
            fprintf(f, "%s", first ? "" : ", ");
            json_write_string(f, last_seg(c->path));
            first = 0;
        }
        fputs("],", f);
    }
    line(f, d, "\"additionalProperties\": false");
}

/* The entry's only child (the element of a list or named map), or (size_t)-1. */
static size_t element_of(size_t i)
{
    for (size_t j = 0; j < schema_nentries; j++)
        if (j != i && is_child(schema_entries[i].path, schema_entries[j].path)) return j;
    return (size_t)-1;
}

static void print_entry(FILE *f, size_t i, int partial, int d)
{
    const schema_entry *e = &schema_entries[i];
    fputs("{", f);
    line(f, d + 1, "");
    print_desc(f, e);
    fputs(",", f);
    if (e->example) {
        line(f, d + 1, "\"examples\": [");
        json_write_string(f, e->example);
        fputs("],", f);
    }
    line(f, d + 1, "");
    switch (e->type) {
    case SCHEMA_MAP:
        print_object(f, i, e->path, partial, 0, d + 1);
        break;
    case SCHEMA_NAMED:
    case SCHEMA_LIST: {
        size_t el = element_of(i);
        const char *seg = el != (size_t)-1 ? last_seg(schema_entries[el].path) : "<x>";
        if (e->type == SCHEMA_LIST) {
            fputs("\"type\": \"array\",", f);
        } else {
            fputs("\"type\": \"object\",", f);
            if (!is_multi(seg, strlen(seg))) {
                line(f, d + 1, "\"propertyNames\": {\"pattern\": \"" NAME_PATTERN "\"},");
            }
        }
        line(f, d + 1, e->type == SCHEMA_LIST ? "\"items\": " : "\"additionalProperties\": ");
        if (el != (size_t)-1) print_entry(f, el, partial, d + 1);
        else fputs("{}", f);
        break;
    }
    case SCHEMA_NUMBER:
    case SCHEMA_INTEGER:
        fputs("\"allOf\": [", f);
        print_number_schema(f, e, e->type == SCHEMA_INTEGER);
        fputs("]", f);
        break;
    case SCHEMA_UNCERTAIN:
    case SCHEMA_MONTHLY:
        fputs("\"anyOf\": [", f);
        print_number_schema(f, e, 0);
        fputs(", {\"$ref\": \"#/definitions/distribution\"}]", f);
        break;
    case SCHEMA_STRING:
        fputs("\"type\": \"string\"", f);
        if (e->pattern) {
            fputs(", \"pattern\": ", f);
            json_write_string(f, e->pattern);
        }
        break;
    case SCHEMA_NAME:
        fputs("\"type\": \"string\", \"pattern\": \"" NAME_PATTERN "\"", f);
        break;
    case SCHEMA_REF:
        fputs("\"type\": \"string\"", f);
        break;
    case SCHEMA_BOOL:
        fputs("\"anyOf\": [{\"type\": \"boolean\"}, {\"enum\": [\"true\", \"false\", \"yes\", \"no\", "
              "\"on\", \"off\"]}]", f);
        break;
    case SCHEMA_ENUM: {
        fputs("\"enum\": [", f);
        const char *s = e->enums;
        for (int k = 0; *s; k++) {
            size_t n = strcspn(s, "|");
            fprintf(f, "%s\"%.*s\"", k ? ", " : "", (int)n, s);
            s += n + (s[n] == '|');
        }
        fputs("]", f);
        break;
    }
    case SCHEMA_MONTH:
        fputs("\"type\": \"string\", \"pattern\": \"" MONTH_PATTERN "\"", f);
        break;
    case SCHEMA_SEED:
        fputs("\"type\": \"integer\", \"minimum\": 0, \"maximum\": 18446744073709551615", f);
        break;
    case SCHEMA_SEGMENTS:
        if (e->enums && strcmp(e->enums, "all") == 0)
            fputs("\"anyOf\": [{\"const\": \"all\"}, {\"type\": \"array\", \"items\": "
                  "{\"type\": \"string\"}}]", f);
        else
            fputs("\"type\": \"array\", \"items\": {\"type\": \"string\"}", f);
        break;
    case SCHEMA_WINDOW:
        fputs("\"type\": \"array\", \"minItems\": 2, \"maxItems\": 2, \"items\": {\"type\": \"string\", "
              "\"pattern\": \"" MONTH_PATTERN "\"}", f);
        break;
    case SCHEMA_PAIR:
        fputs("\"type\": \"array\", \"minItems\": 3, \"maxItems\": 3, \"items\": [{\"type\": \"string\"}, "
              "{\"type\": \"string\"}, {\"type\": \"number\", \"minimum\": -1, \"maximum\": 1}]", f);
        break;
    case SCHEMA_KEYPATHS:
        fputs("\"type\": \"array\", \"items\": {\"type\": \"string\"}", f);
        break;
    case SCHEMA_WEIGHTS:
        fputs("\"anyOf\": [{\"type\": \"number\", \"minimum\": 0}, {\"type\": \"array\", \"minItems\": 1, "
              "\"items\": {\"type\": \"number\", \"minimum\": 0}}]", f);
        break;
    case SCHEMA_SERIES:
        fputs("\"anyOf\": [{\"enum\": [\"all\", \"totals\"]}, {\"type\": \"array\", \"uniqueItems\": true, "
              "\"items\": {\"enum\": [", f);
        for (int k = 0; k < SCENARIO_NSERIES; k++) fprintf(f, "%s\"%s\"", k ? ", " : "", scenario_series_names[k]);
        fputs("]}}]", f);
        break;
    default:
        fputs("\"not\": {}", f);
        break;
    }
    line(f, d, "}");
}

int schema_print_json(FILE *f)
{
    fputs("{\n  \"$schema\": \"http://json-schema.org/draft-07/schema#\",\n"
          "  \"title\": \"capsim scenario\",\n"
          "  \"description\": \"A capsim scenario file (docs/SCENARIO.md). A file with extends: is an "
          "overlay: it says only what differs from its base, so nothing is required in it.\",\n"
          "  \"type\": \"object\",\n"
          "  \"if\": {\"required\": [\"extends\"]},\n"
          "  \"then\": {\"$ref\": \"#/definitions/overlay\"},\n"
          "  \"else\": {\"$ref\": \"#/definitions/full\"},\n"
          "  \"definitions\": {\n    \"distribution\": ", f);
    print_dist_schema(f, 2);
    for (int partial = 0; partial < 2; partial++) {
        fprintf(f, ",\n    \"%s\": {", partial ? "overlay" : "full");
        line(f, 3, "");
        print_object(f, (size_t)-1, "", partial, 1, 3);
        fputs("\n    }", f);
    }
    fputs("\n  }\n}\n", f);
    return ferror(f) ? -1 : 0;
}

/* ---- Markdown ---- */

static void md_cell(FILE *f, const char *s)
{
    fputs(" ", f);
    for (; s && *s; s++) {
        if (*s == '|') fputs("\\|", f);
        else fputc(*s, f);
    }
    fputs(" |", f);
}

static void allowed_text(const schema_entry *e, char *buf, size_t len)
{
    char lo[32], hi[32];
    buf[0] = '\0';
    switch (e->type) {
    case SCHEMA_NUMBER:
    case SCHEMA_INTEGER:
    case SCHEMA_UNCERTAIN:
    case SCHEMA_MONTHLY:
        if (!(e->flags & SCHEMA_RANGED)) break;
        num_text(e->lo, lo, sizeof lo);
        num_text(e->hi, hi, sizeof hi);
        if (isinf(e->lo) && isinf(e->hi)) snprintf(buf, len, "any");
        else if (isinf(e->hi)) snprintf(buf, len, "%s %s", e->flags & SCHEMA_LO_OPEN ? ">" : ">=", lo);
        else snprintf(buf, len, "%s%s, %s%s", e->flags & SCHEMA_LO_OPEN ? "(" : "[", lo, hi,
                      e->flags & SCHEMA_HI_OPEN ? ")" : "]");
        if (e->flags & SCHEMA_INF) {
            size_t n = strlen(buf);
            snprintf(buf + n, len - n, ", or .inf");
        }
        break;
    case SCHEMA_ENUM: {
        size_t n = 0;
        for (const char *s = e->enums; *s && n < len;) {
            size_t k = strcspn(s, "|");
            n += (size_t)snprintf(buf + n, len - n, "%s`%.*s`", n ? ", " : "", (int)k, s);
            s += k + (s[k] == '|');
        }
        break;
    }
    case SCHEMA_REF:
        snprintf(buf, len, "a %s name", e->enums);
        break;
    case SCHEMA_SEGMENTS:
        snprintf(buf, len, "%s", e->enums ? "segment names, or `all`" : "segment names");
        break;
    case SCHEMA_SERIES: {
        size_t n = (size_t)snprintf(buf, len, "`all`, `totals`, or a list of:");
        for (int k = 0; k < SCENARIO_NSERIES && n < len; k++)
            n += (size_t)snprintf(buf + n, len - n, "%s `%s`", k ? "," : "", scenario_series_names[k]);
        break;
    }
    case SCHEMA_SEED:
        snprintf(buf, len, "0 to 2^64 - 1");
        break;
    case SCHEMA_NAME:
        snprintf(buf, len, "1-63 of `A-Za-z0-9_-`, not only digits");
        break;
    default:
        break;
    }
}

static void md_row(FILE *f, const schema_entry *e)
{
    char allowed[512], key[300], type[64];
    snprintf(key, sizeof key, "`%s`%s", e->path, e->flags & SCHEMA_REQUIRED ? " *" : "");
    snprintf(type, sizeof type, "%s%s%s", schema_type_name(e->type),
             e->type == SCHEMA_REF ? " " : "", e->type == SCHEMA_REF ? e->enums : "");
    allowed_text(e, allowed, sizeof allowed);
    fputs("|", f);
    md_cell(f, key);
    md_cell(f, type);
    md_cell(f, e->unit ? e->unit : "");
    md_cell(f, e->def ? e->def : "");
    md_cell(f, allowed);
    md_cell(f, e->desc);
    char ex[300] = "";
    if (e->example) snprintf(ex, sizeof ex, "`%s`", e->example);
    md_cell(f, ex);
    fputs("\n", f);
}

int schema_print_markdown(FILE *f)
{
    fputs("<!-- Generated by `capsim schema --markdown` from sim/scenario/schema_table.c: edit the "
          "table, then tools/gen_scenario_doc.sh. -->\n\n"
          "Keys marked * are required (in a file without `extends`). `<chip>`, `<segment>` and the "
          "like stand for a name (or a list index); `<key.path>` for a key path.\n", f);
    for (size_t i = 0; i < schema_nentries; i++) {
        const schema_entry *e = &schema_entries[i];
        if (parent_len(e->path) != 0) continue;
        fprintf(f, "\n### `%s`\n\n", e->path);
        fputs("| Key | Type | Unit | Default | Allowed | Description | Example |\n"
              "|---|---|---|---|---|---|---|\n", f);
        md_row(f, e);
        size_t n = strlen(e->path);
        for (size_t j = i + 1; j < schema_nentries; j++)
            if (strncmp(schema_entries[j].path, e->path, n) == 0 && schema_entries[j].path[n] == '.')
                md_row(f, &schema_entries[j]);
    }
    fputs("\n### Distributions\n\n"
          "A field of type *number or distribution* takes a number or a mapping `{dist: FAMILY, ...}`:\n\n"
          "| Family | Keys | Written as |\n|---|---|---|\n", f);
    for (int i = 0; i < DIST_NFAMILIES; i++) {
        const dist_family_type *t = &dist_families[i];
        if (!t->usage) continue;
        const char *keys[16];
        size_t n = family_keys(t, keys);
        char list[256] = "";
        for (size_t k = 1, used = 0; k < n && used < sizeof list; k++)
            used += (size_t)snprintf(list + used, sizeof list - used, "%s`%s`", k > 1 ? ", " : "", keys[k]);
        char fam[64], usage[300];
        snprintf(fam, sizeof fam, "`%s`", t->name);
        snprintf(usage, sizeof usage, "`%s`", t->usage);
        fputs("|", f);
        md_cell(f, fam);
        md_cell(f, list);
        md_cell(f, usage);
        fputs("\n", f);
    }
    return ferror(f) ? -1 : 0;
}
