/*
 * test_grow: the array growth helper (sim/base/grow.c): capacity doubles from the
 * first size until it holds what is needed, contents survive, a request that fits is a
 * no-op, and a byte count that would overflow fails with the array left as it was.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>

#include "sim/base/grow.h"

static void test_doubles_from_first(void **state)
{
    (void)state;
    int *a = NULL;
    size_t cap = 0;
    assert_int_equal(grow_array(&a, &cap, 1, sizeof *a, 16), 0);
    assert_int_equal(cap, 16);
    for (int i = 0; i < 16; i++) a[i] = i;
    assert_int_equal(grow_array(&a, &cap, 17, sizeof *a, 16), 0);
    assert_int_equal(cap, 32);
    assert_int_equal(grow_array(&a, &cap, 100, sizeof *a, 16), 0);
    assert_int_equal(cap, 128);
    for (int i = 0; i < 16; i++) assert_int_equal(a[i], i);
    free(a);
}

static void test_fits_is_noop(void **state)
{
    (void)state;
    double *a = NULL;
    size_t cap = 0;
    assert_int_equal(grow_array(&a, &cap, 5, sizeof *a, 8), 0);
    double *before = a;
    assert_int_equal(grow_array(&a, &cap, 8, sizeof *a, 8), 0);
    assert_ptr_equal(a, before);
    assert_int_equal(cap, 8);
    free(a);
}

static void test_overflow_fails_unchanged(void **state)
{
    (void)state;
    char *a = NULL;
    size_t cap = 0;
    assert_int_equal(grow_array(&a, &cap, 10, 1, 4), 0);
    a[0] = 'x';
    char *before = a;
    assert_int_equal(grow_array(&a, &cap, SIZE_MAX / 2 + 2, 1, 4), -1);
    assert_int_equal(grow_array(&a, &cap, SIZE_MAX / 8, 16, 4), -1);
    assert_ptr_equal(a, before);
    assert_int_equal(cap, 16);
    assert_int_equal(a[0], 'x');
    free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_doubles_from_first),
        cmocka_unit_test(test_fits_is_noop),
        cmocka_unit_test(test_overflow_fails_unchanged),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
