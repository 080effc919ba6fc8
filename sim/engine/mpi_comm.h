/*
 * mpi_comm: the only place that knows about MPI (docs/ENGINE.md).
 *
 * Built with `make CC=mpicc` the Makefile defines CAPSIM_MPI and these functions wrap
 * Open MPI (MPI_COMM_WORLD, MPI_THREAD_FUNNELED: only the main thread communicates,
 * OpenMP threads never do). Built without it, the same functions describe a world of
 * one rank: comm_rank() is 0, comm_size() is 1, and the point-to-point calls, which the
 * engine only makes when there are several ranks, fail. So the engine has no #ifdef:
 * it asks how many ranks there are and splits the work accordingly.
 *
 * Messages are byte buffers of any size (split into pieces below INT_MAX bytes); between
 * one sender and one receiver they arrive in the order sent (MPI's non-overtaking rule).
 * Every function returns 0 on success and -1 on failure.
 */
#ifndef CAPSIM_MPI_COMM_H
#define CAPSIM_MPI_COMM_H

#include <stddef.h>

/* Start and stop: once per process, from main(). comm_init may change argc/argv. */
int comm_init(int *argc, char ***argv);
void comm_finalize(void);

int comm_rank(void);
int comm_size(void);

/* "Open MPI v4.1.4 ..." (first line of the library's version string), or "none". */
const char *comm_library(void);

/* Send len bytes of buf to rank dest without waiting for the receiver; buf must stay
 * untouched until comm_wait() on the returned request (which frees it). */
typedef struct comm_request comm_request;
int comm_isend(const void *buf, size_t len, int dest, comm_request **req);
int comm_wait(comm_request *req);

/* Receive the next message from rank src: *buf is malloc'ed (the caller frees it). */
int comm_recv(int src, void **buf, size_t *len);

/* Broadcast one int from rank root to all ranks (collective). */
int comm_bcast_int(int *v, int root);

/* 1 when ok is nonzero on every rank, else 0 (collective): ranks agree to go on. */
int comm_all_ok(int ok);

/* End every rank of the run with exit status code (collective in effect: use on a
 * failure that the other ranks cannot know about). Does not return. */
void comm_abort(int code);

#endif
