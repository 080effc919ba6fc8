/*
 * json: the one JSON string writer of capsim (capsim schema, summary --json).
 * Layer 0 (sim/base): stdio only.
 */
#ifndef CAPSIM_JSON_H
#define CAPSIM_JSON_H

#include <stdio.h>

/* s as a JSON string, quoted: '"' and '\' escaped, newline as \n, other control
 * characters as \u00XX; bytes from 0x80 up are copied as they are (UTF-8 stays UTF-8). */
void json_write_string(FILE *f, const char *s);

#endif
