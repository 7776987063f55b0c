/*
 * group.c -- the writer thread of group commit (see group.h).
 */
#include "store/group.h"

#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "util/log.h"

#define GROUP_BATCH_MAX        512  /* jobs per transaction: bounds latency of one batch */
#define CHECKPOINT_INTERVAL_MS 100  /* how often the checkpointer copies the log */
#define LOG_RESTART_PAGES      4096 /* log size at which the writer lets it start over */

struct store_group {
    struct store *store;            /* the writing connection */
    pthread_t thread;               /* the writer */
    struct store *checkpoint_store; /* the checkpointer's own connection */
    pthread_t checkpointer;         /* copies the write-ahead log into the database */
    pthread_mutex_t lock;           /* guards the queue and "stopping" */
    pthread_cond_t wake;            /* signalled when jobs arrive or on stop */
    pthread_cond_t checkpoint_wake; /* signalled on stop */
    struct store_group_job *head;   /* queue, oldest first */
    struct store_group_job *tail;
    int stopping; /* 1 once store_group_stop was called */
    store_group_commit_fn on_commit;
    void *on_commit_arg;
    long long batches, jobs; /* counters, guarded by lock */
    int log_pages;           /* the log's size at the last checkpoint, guarded by lock */
};

/* Runs one batch: BEGIN, each job in a savepoint, COMMIT, then done(). */
static void run_batch(struct store_group *g, struct store_group_job *batch)
{
    struct ep_error err;
    ep_error_clear(&err);
    int begun = store_begin(g->store, &err) == 0;
    int n = 0;
    for (struct store_group_job *j = batch; j; j = j->next, n++) {
        ep_error_clear(&j->err);
        if (!begun) {
            j->err = err;
            j->rc = -EP_EUNAVAILABLE;
            continue;
        }
        if (store_begin(g->store, &j->err) != 0) {
            j->rc = -EP_EUNAVAILABLE;
            continue;
        }
        j->rc = j->run(g->store, j->ctx, &j->err);
        if (j->rc == 0) {
            j->rc = store_commit(g->store, &j->err);
        } else {
            while (store_in_transaction(g->store) > 1)
                store_rollback(g->store);
        }
    }
    int committed = 0;
    if (begun) {
        while (store_in_transaction(g->store) > 1) /* a job that left a savepoint open */
            store_rollback(g->store);
        committed = store_commit(g->store, &err) == 0;
    }
    if (!committed) {
        if (begun)
            log_error("group commit of %d job(s) failed: %s", n, ep_error_message(&err, 1));
        for (struct store_group_job *j = batch; j; j = j->next)
            if (j->rc == 0) {
                j->err = err;
                j->rc = err.code ? -err.code : -EP_EUNAVAILABLE;
            }
    }
    if (committed && g->on_commit)
        g->on_commit(g->on_commit_arg);
    pthread_mutex_lock(&g->lock);
    g->batches++;
    g->jobs += n;
    pthread_mutex_unlock(&g->lock);
    struct store_group_job *j = batch;
    while (j) {
        struct store_group_job *next = j->next; /* done() may free the job */
        j->done(j->ctx, j->rc, &j->err);
        j = next;
    }
}

/* Under a steady stream of batches the log would never start over: SQLite
 * rewinds it only when a write transaction begins while every frame has been
 * copied back, and the checkpointer, running beside the writer, always
 * finishes a little behind.  The log then grows without end (a gigabyte in
 * 25 s of B1), and every commit writes to fresh blocks that the file system
 * first zeroes.  So once the log is past LOG_RESTART_PAGES the writer copies
 * the few frames the checkpointer has not yet reached itself, between two
 * batches, and the next batch writes from the log's start again. */
static void log_restart(struct store_group *g)
{
    struct ep_error err;
    ep_error_clear(&err);
    if (store_checkpoint(g->store, NULL, &err) != 0)
        log_warn("checkpoint: %s", ep_error_message(&err, 1));
}

static void *writer_main(void *arg)
{
    struct store_group *g = arg;
    pthread_mutex_lock(&g->lock);
    for (;;) {
        while (!g->head && !g->stopping)
            pthread_cond_wait(&g->wake, &g->lock);
        if (!g->head && g->stopping)
            break;
        /* Take up to GROUP_BATCH_MAX jobs off the queue. */
        struct store_group_job *batch = g->head, *last = g->head;
        int n = 1;
        while (last->next && n < GROUP_BATCH_MAX) {
            last = last->next;
            n++;
        }
        g->head = last->next;
        if (!g->head)
            g->tail = NULL;
        last->next = NULL;
        int restart = g->log_pages > LOG_RESTART_PAGES;
        if (restart)
            g->log_pages = 0;
        pthread_mutex_unlock(&g->lock);
        if (restart)
            log_restart(g);
        run_batch(g, batch);
        pthread_mutex_lock(&g->lock);
    }
    pthread_mutex_unlock(&g->lock);
    return NULL;
}

/* Checkpoints every CHECKPOINT_INTERVAL_MS until stopping: the writer's
 * commits then only append to the log (one fsync) and never pause to copy
 * it back, which would stall every request of that batch. */
static void *checkpointer_main(void *arg)
{
    struct store_group *g = arg;
    struct timespec until;
    pthread_mutex_lock(&g->lock);
    while (!g->stopping) {
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += CHECKPOINT_INTERVAL_MS * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&g->checkpoint_wake, &g->lock, &until);
        if (g->stopping)
            break;
        pthread_mutex_unlock(&g->lock);
        struct ep_error err;
        ep_error_clear(&err);
        int pages = 0;
        if (store_checkpoint(g->checkpoint_store, &pages, &err) != 0)
            log_warn("checkpoint: %s", ep_error_message(&err, 1));
        pthread_mutex_lock(&g->lock);
        g->log_pages = pages;
    }
    pthread_mutex_unlock(&g->lock);
    return NULL;
}

int store_group_start(struct store_group **out, const char *path, store_group_commit_fn on_commit,
                      void *on_commit_arg, struct ep_error *err)
{
    *out = NULL;
    struct store_group *g = calloc(1, sizeof *g);
    if (!g)
        return ep_error_set(err, EP_EINTERNAL, "内存不足", "out of memory");
    if (store_open(&g->store, path, 0, err) != 0) {
        free(g);
        return -EP_EUNAVAILABLE;
    }
    if (store_open(&g->checkpoint_store, path, 0, err) != 0) {
        store_close(g->store);
        free(g);
        return -EP_EUNAVAILABLE;
    }
    store_autocheckpoint(g->store, 0);
    g->on_commit = on_commit;
    g->on_commit_arg = on_commit_arg;
    pthread_mutex_init(&g->lock, NULL);
    pthread_cond_init(&g->wake, NULL);
    pthread_cond_init(&g->checkpoint_wake, NULL);
    if (pthread_create(&g->checkpointer, NULL, checkpointer_main, g) != 0) {
        store_close(g->store);
        store_close(g->checkpoint_store);
        pthread_mutex_destroy(&g->lock);
        pthread_cond_destroy(&g->wake);
        pthread_cond_destroy(&g->checkpoint_wake);
        free(g);
        return ep_error_set(err, EP_EINTERNAL, "无法启动检查点线程",
                            "cannot start the checkpoint thread");
    }
    if (pthread_create(&g->thread, NULL, writer_main, g) != 0) {
        pthread_mutex_lock(&g->lock);
        g->stopping = 1;
        pthread_cond_signal(&g->checkpoint_wake);
        pthread_mutex_unlock(&g->lock);
        pthread_join(g->checkpointer, NULL);
        store_close(g->checkpoint_store);
        pthread_cond_destroy(&g->checkpoint_wake);
        store_close(g->store);
        pthread_mutex_destroy(&g->lock);
        pthread_cond_destroy(&g->wake);
        free(g);
        return ep_error_set(err, EP_EINTERNAL, "无法启动写线程", "cannot start the writer thread");
    }
    *out = g;
    return 0;
}

void store_group_submit(struct store_group *g, struct store_group_job *job)
{
    job->next = NULL;
    pthread_mutex_lock(&g->lock);
    if (g->tail)
        g->tail->next = job;
    else
        g->head = job;
    g->tail = job;
    pthread_cond_signal(&g->wake);
    pthread_mutex_unlock(&g->lock);
}

void store_group_stop(struct store_group *g)
{
    if (!g)
        return;
    pthread_mutex_lock(&g->lock);
    g->stopping = 1;
    pthread_cond_signal(&g->wake);
    pthread_cond_signal(&g->checkpoint_wake);
    pthread_mutex_unlock(&g->lock);
    pthread_join(g->thread, NULL);
    pthread_join(g->checkpointer, NULL);
    struct ep_error err;
    ep_error_clear(&err);
    store_checkpoint(g->checkpoint_store, NULL, &err); /* leave a short log behind */
    store_close(g->checkpoint_store);
    store_close(g->store);
    pthread_mutex_destroy(&g->lock);
    pthread_cond_destroy(&g->wake);
    pthread_cond_destroy(&g->checkpoint_wake);
    free(g);
}

void store_group_stats(struct store_group *g, long long *batches, long long *jobs)
{
    pthread_mutex_lock(&g->lock);
    *batches = g->batches;
    *jobs = g->jobs;
    pthread_mutex_unlock(&g->lock);
}
