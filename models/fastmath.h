/*
 * fastmath: inline replacements for the libm calls of the month loop that give the same
 * bits as glibc's x86-64 fmax/fmin (s_fmax.S, s_fmin.S): those are calls, not
 * instructions, at -O2 without -ffinite-math-only, and they sat in every month of every
 * path. Checked against the library for +-0, +-inf, NaN and subnormals.
 *
 *   fm_max0(x)  == fmax(0.0, x): x when x >= 0 (so -0.0 stays -0.0, as maxsd returns
 *                  its second operand on equal zeros), else 0.0 (NaN included);
 *   fm_min(a,b) == fmin(a, b):   the non-NaN operand if one is NaN, else a < b ? a : b
 *                  (b on equal zeros, as minsd).
 */
#ifndef CAPSIM_FASTMATH_H
#define CAPSIM_FASTMATH_H

static inline double fm_max0(double x) { return x >= 0.0 ? x : 0.0; }

static inline double fm_min(double a, double b)
{
    if (b != b) return a;
    if (a != a) return b;
    return a < b ? a : b;
}

#endif
