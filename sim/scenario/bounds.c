/* bounds: see bounds.h. */
#include "bounds.h"

#include <string.h>

int bounds_valid_scenario_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > BOUNDS_NAME_MAX || s[0] == '.') return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];   /* ASCII only: no locale decides what a letter is */
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '-' || c == '_' || c == '.';
        if (!ok) return 0;
    }
    return 1;
}
