/*
 * group.h -- group commit: many requests' writes in one transaction, one
 * fsync, then every answer.
 *
 * With synchronous=FULL every SQLite commit costs an fsync (~0.22 ms here),
 * which caps single-row commits near 4.5k/s.  A write must still be durable
 * before its 201 is sent.  So writes are jobs handed to one writer thread
 * that owns the only writing connection: it takes every job waiting, opens
 * one transaction, runs each job inside its own savepoint (a failing job
 * rolls back alone), commits once, and then reports each job's outcome.
 *
 * On SQLite the commit does not wait for the disk: a second thread, the
 * syncer, makes the log durable (one fdatasync for every batch committed
 * meanwhile) and only then reports the outcomes, while the writer already
 * runs the next batch.  No request is answered before its writes are on
 * disk; other connections may read them up to one fsync earlier.
 *
 * Ownership: a job and its context belong to the submitter and must stay
 * alive until its done() callback has run (on the writer thread).
 */
#ifndef EPIGRID_STORE_GROUP_H
#define EPIGRID_STORE_GROUP_H
#include "store/store.h"

struct store_group;

struct store_group_job {
    /* Runs inside the batch transaction on the writer's connection.  Returns
     * 0 or negative with "err" filled; a failure undoes this job only. */
    int (*run)(struct store *s, void *ctx, struct ep_error *err);
    /* Called after the batch committed and is durable (rc 0) or failed: on
     * the syncer thread when there is one, else on the writer thread. */
    void (*done)(void *ctx, int rc, struct ep_error *err);
    void *ctx; /* handed to run and done */
    /* 1 when run() may run again from the start after the writes of its
     * first run were undone: it keeps nothing of a run but what it writes
     * into ctx anew.  Such a job runs with lazy levels (store_set_lazy): on
     * PostgreSQL its last writes go with the next job's first read, one
     * round trip instead of two. */
    int rerunnable;
    int rc;                       /* outcome, set before done */
    struct ep_error err;          /* error when rc != 0 */
    struct store_group_job *next; /* queue link, owned by the group */
};

/* Called on the same thread as done(), after every durable batch (e.g. to wake
 * server-sent-event streams).  May be NULL. */
typedef void (*store_group_commit_fn)(void *arg);

/* Opens the writing connection to "path" and starts the writer thread. */
int store_group_start(struct store_group **out, const char *path, store_group_commit_fn on_commit,
                      void *on_commit_arg, struct ep_error *err);
/* Queues a job; never blocks on the database. */
void store_group_submit(struct store_group *g, struct store_group_job *job);
/* Runs the remaining jobs, stops the thread, closes the connection. */
void store_group_stop(struct store_group *g);

/* Batches committed, jobs run and log syncs made so far (for logs, tests and
 * benchmarks; syncs stay 0 where commits are durable by themselves). */
void store_group_stats(struct store_group *g, long long *batches, long long *jobs,
                       long long *syncs);

#endif
