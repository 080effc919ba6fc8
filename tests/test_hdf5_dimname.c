/*
 * test_hdf5_dimname: hdf5_dim_name (output/hdf5_util.c), the name of a dataset
 * dimension's scale, on a good file and on one whose DIMENSION_LIST points at a group
 * (what a damaged or edited results file can hold: tests/fuzz/README.md, found by
 * fuzz_results), and on one whose DIMENSION_LIST holds numbers (H5DS would read them as
 * pointers). The group must not be left open (H5DSiterate_scales closes what the
 * reference reaches with H5Dclose, which fails on a group), nothing may crash, and the
 * dimension has no name.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <hdf5.h>
#include <hdf5_hl.h>

#include "output/hdf5_util.h"

typedef struct {
    char dir[256], path[300];
    hid_t f;
} fixture;

static int setup(void **state)
{
    fixture *F = calloc(1, sizeof *F);
    if (!F) return -1;
    const char *tmp = getenv("TMPDIR");
    snprintf(F->dir, sizeof F->dir, "%s/capsim-dimname.XXXXXX", tmp ? tmp : "/tmp");
    if (!mkdtemp(F->dir)) return -1;
    snprintf(F->path, sizeof F->path, "%s/f.h5", F->dir);
    hdf5_quiet();
    F->f = H5Fcreate(F->path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (F->f < 0) return -1;
    *state = F;
    return 0;
}

static int teardown(void **state)
{
    fixture *F = *state;
    H5Fclose(F->f);
    unlink(F->path);
    rmdir(F->dir);
    free(F);
    return 0;
}

static hid_t vector(hid_t loc, const char *name)
{
    hsize_t n = 3;
    double v[3] = { 1, 2, 3 };
    hid_t d = hdf5_dataset(loc, name, H5T_NATIVE_DOUBLE, 1, &n, NULL, NULL, 0, 0);
    assert_true(d >= 0);
    assert_int_equal(hdf5_write_doubles(d, v), 0);
    return d;
}

static void test_attached_scale(void **state)
{
    fixture *F = *state;
    hid_t x = vector(F->f, "x"), v = vector(F->f, "v");
    assert_int_equal(hdf5_make_scale(x, "x"), 0);
    assert_int_equal(hdf5_attach(v, &x, 1), 0);
    ssize_t before = H5Fget_obj_count(F->f, H5F_OBJ_ALL);
    char *name = hdf5_dim_name(v, 0);
    assert_non_null(name);
    assert_string_equal(name, "x");
    free(name);
    assert_int_equal(H5Fget_obj_count(F->f, H5F_OBJ_ALL), before);
    H5Dclose(v);
    H5Dclose(x);
}

static void test_reference_to_a_group(void **state)
{
    fixture *F = *state;
    hid_t g = H5Gcreate2(F->f, "g", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    assert_true(g >= 0);
    H5Gclose(g);
    hid_t w = vector(F->f, "w");
    /* DIMENSION_LIST as H5DS writes it (one variable-length list of object references
     * per dimension), its one reference reaching /g. */
    hobj_ref_t ref;
    assert_true(H5Rcreate(&ref, F->f, "/g", H5R_OBJECT, -1) >= 0);
    hvl_t list = { 1, &ref };
    hsize_t one = 1;
    hid_t t = H5Tvlen_create(H5T_STD_REF_OBJ), s = H5Screate_simple(1, &one, NULL);
    hid_t a = H5Acreate2(w, "DIMENSION_LIST", t, s, H5P_DEFAULT, H5P_DEFAULT);
    assert_true(a >= 0);
    assert_true(H5Awrite(a, t, &list) >= 0);
    H5Aclose(a);
    H5Sclose(s);
    H5Tclose(t);
    assert_int_equal(H5DSget_num_scales(w, 0), 1);

    ssize_t before = H5Fget_obj_count(F->f, H5F_OBJ_ALL);
    char *name = hdf5_dim_name(w, 0);
    H5Eclear2(H5E_DEFAULT);
    assert_null(name);
    assert_int_equal(H5Fget_obj_count(F->f, H5F_OBJ_ALL), before);
    assert_int_equal(H5Fget_obj_count(F->f, H5F_OBJ_GROUP), 0);
    H5Dclose(w);
}

/* DIMENSION_LIST of another type (two 64-bit numbers): H5DS would read them as the
 * length and the pointer of a list of references. */
static void test_dimension_list_of_numbers(void **state)
{
    fixture *F = *state;
    hid_t w = vector(F->f, "w");
    uint64_t two[2] = { 1, 0x400c000000000000u };
    hsize_t n = 2;
    hid_t s = H5Screate_simple(1, &n, NULL);
    hid_t a = H5Acreate2(w, "DIMENSION_LIST", H5T_NATIVE_UINT64, s, H5P_DEFAULT, H5P_DEFAULT);
    assert_true(a >= 0);
    assert_true(H5Awrite(a, H5T_NATIVE_UINT64, two) >= 0);
    H5Aclose(a);
    H5Sclose(s);
    ssize_t before = H5Fget_obj_count(F->f, H5F_OBJ_ALL);
    assert_null(hdf5_dim_name(w, 0));
    assert_int_equal(H5Fget_obj_count(F->f, H5F_OBJ_ALL), before);
    H5Dclose(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_attached_scale, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reference_to_a_group, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dimension_list_of_numbers, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
