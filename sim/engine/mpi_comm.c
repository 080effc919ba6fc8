/* mpi_comm: see mpi_comm.h. The one file with #ifdef CAPSIM_MPI. */
#include "mpi_comm.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef CAPSIM_MPI
#include <mpi.h>

/* Pieces of at most 1 GiB: MPI counts are int. */
#define PIECE ((size_t)1 << 30)
#define TAG_LEN 1
#define TAG_DATA 2

struct comm_request {
    uint64_t len;              /* sent first, so the receiver can allocate */
    size_t nreq;
    MPI_Request req[];         /* 1 + pieces */
};

static int initialised;
static char library[128] = "none";

int comm_init(int *argc, char ***argv)
{
    int provided;
    if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) return -1;
    initialised = 1;
    /* Errors come back as codes (a failed send is reported, then the run aborts). */
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    char v[MPI_MAX_LIBRARY_VERSION_STRING];
    int len = 0;
    if (MPI_Get_library_version(v, &len) == MPI_SUCCESS) {
        v[len < (int)sizeof v ? len : (int)sizeof v - 1] = '\0';
        size_t n = strcspn(v, ",\n");
        snprintf(library, sizeof library, "%.*s", (int)n, v);
    }
    return 0;
}

void comm_finalize(void)
{
    if (initialised) MPI_Finalize();
    initialised = 0;
}

int comm_rank(void)
{
    int r = 0;
    if (initialised) MPI_Comm_rank(MPI_COMM_WORLD, &r);
    return r;
}

int comm_size(void)
{
    int n = 1;
    if (initialised) MPI_Comm_size(MPI_COMM_WORLD, &n);
    return n;
}

const char *comm_library(void)
{
    return library;
}

int comm_isend(const void *buf, size_t len, int dest, comm_request **out)
{
    size_t pieces = (len + PIECE - 1) / PIECE;
    comm_request *r = malloc(sizeof *r + (1 + pieces) * sizeof(MPI_Request));
    if (!r) return -1;
    r->len = len;
    r->nreq = 0;
    if (MPI_Isend(&r->len, 1, MPI_UINT64_T, dest, TAG_LEN, MPI_COMM_WORLD, &r->req[r->nreq++]) != MPI_SUCCESS)
        goto fail;
    for (size_t p = 0; p < pieces; p++) {
        size_t off = p * PIECE, n = len - off < PIECE ? len - off : PIECE;
        if (MPI_Isend((const char *)buf + off, (int)n, MPI_BYTE, dest, TAG_DATA, MPI_COMM_WORLD,
                      &r->req[r->nreq++]) != MPI_SUCCESS)
            goto fail;
    }
    *out = r;
    return 0;
fail:
    r->nreq--;  /* the failed request was not started */
    comm_wait(r);
    return -1;
}

int comm_wait(comm_request *r)
{
    if (!r) return 0;
    int rc = MPI_Waitall((int)r->nreq, r->req, MPI_STATUSES_IGNORE) == MPI_SUCCESS ? 0 : -1;
    free(r);
    return rc;
}

int comm_recv(int src, void **buf, size_t *len)
{
    uint64_t n;
    *buf = NULL;
    if (MPI_Recv(&n, 1, MPI_UINT64_T, src, TAG_LEN, MPI_COMM_WORLD, MPI_STATUS_IGNORE) != MPI_SUCCESS) return -1;
    char *b = malloc(n ? n : 1);
    if (!b) return -1;
    for (size_t off = 0; off < n; off += PIECE) {
        size_t m = n - off < PIECE ? n - off : PIECE;
        if (MPI_Recv(b + off, (int)m, MPI_BYTE, src, TAG_DATA, MPI_COMM_WORLD, MPI_STATUS_IGNORE) != MPI_SUCCESS) {
            free(b);
            return -1;
        }
    }
    *buf = b;
    *len = n;
    return 0;
}

int comm_bcast_int(int *v, int root)
{
    if (!initialised) return 0;
    return MPI_Bcast(v, 1, MPI_INT, root, MPI_COMM_WORLD) == MPI_SUCCESS ? 0 : -1;
}

int comm_all_ok(int ok)
{
    if (!initialised) return ok != 0;
    int mine = ok != 0, all = 0;
    if (MPI_Allreduce(&mine, &all, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD) != MPI_SUCCESS) return 0;
    return all;
}

void comm_abort(int code)
{
    if (initialised) MPI_Abort(MPI_COMM_WORLD, code);
    exit(code);
}

#else /* a world of one rank */

int comm_init(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

void comm_finalize(void) {}
int comm_rank(void) { return 0; }
int comm_size(void) { return 1; }
const char *comm_library(void) { return "none"; }

int comm_isend(const void *buf, size_t len, int dest, comm_request **req)
{
    (void)buf;
    (void)len;
    (void)dest;
    *req = NULL;
    return -1;
}

int comm_wait(comm_request *req)
{
    (void)req;
    return 0;
}

int comm_recv(int src, void **buf, size_t *len)
{
    (void)src;
    *buf = NULL;
    *len = 0;
    return -1;
}

int comm_bcast_int(int *v, int root)
{
    (void)v;
    (void)root;
    return 0;
}

int comm_all_ok(int ok)
{
    return ok != 0;
}

void comm_abort(int code)
{
    exit(code);
}

#endif
