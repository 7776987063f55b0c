/*
 * group.c -- the writer thread of group commit (see group.h).
 */
#include "store/group.h"

#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "util/log.h"

#define GROUP_BATCH_MAX        512   /* jobs per transaction: bounds latency of one batch */
#define CHECKPOINT_INTERVAL_MS 100   /* how often the checkpointer copies the log */
#define LOG_RESTART_PAGES      16384 /* log size at which the writer lets it start over */
#define LOG_RESTART_NEAR       32    /* frames left to copy that the writer copies itself */
#define LOG_RESTART_FORCE      (2 * LOG_RESTART_PAGES) /* past it the writer copies all */

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
    /* The log's restart (see log_restart), guarded by lock: the writer asks,
     * the checkpointer copies until few frames are left and says how many. */
    int restart_wanted; /* 1 from the writer's ask until the restart */
    int copy_left;      /* frames left after the checkpointer's last run, -1 unknown */
    store_group_commit_fn on_commit;
    void *on_commit_arg;
    long long batches, jobs; /* counters, guarded by lock */
    /* Deferred durability (SQLite): the writer commits without waiting for
     * the disk and hands the batch to the syncer, which makes the log durable
     * once for every batch committed meanwhile, then answers their jobs.
     * The next batch runs while the previous one's fsync is in flight. */
    int deferred;                      /* 1 when commits are synced by the syncer */
    pthread_t syncer;                  /* fdatasyncs the log, then calls done() */
    pthread_cond_t sync_wake;          /* signalled when committed jobs wait, or on stop */
    struct store_group_job *sync_head; /* committed jobs waiting for the sync, guarded by lock */
    struct store_group_job *sync_tail;
    int sync_stopping; /* 1 once the writer has stopped */
    long long syncs;   /* log syncs made, guarded by lock */
};

static void finish(struct store_group_job *batch)
{
    struct store_group_job *j = batch;
    while (j) {
        struct store_group_job *next = j->next; /* done() may free the job */
        j->done(j->ctx, j->rc, &j->err);
        j = next;
    }
}

/* Runs the jobs of one batch in one transaction, each in a savepoint, and
 * commits: 1 committed, 0 not ("err" says why, if anything went wrong
 * before the jobs), -1 when a savepoint released lazily turned out to have
 * failed (store_lazy_failed): then nothing was committed and the batch runs
 * again with "lazy" 0.  A job that cannot run twice never runs while a lazy
 * release waits for its answer (store_flush first). */
static int run_jobs(struct store_group *g, struct store_group_job *batch, int lazy,
                    struct ep_error *err)
{
    struct store *s = g->store;
    int begun = store_begin(s, err) == 0;
    for (struct store_group_job *j = batch; j; j = j->next) {
        ep_error_clear(&j->err);
        if (!begun) {
            j->err = *err;
            j->rc = -EP_EUNAVAILABLE;
            continue;
        }
        if (lazy && !j->rerunnable && store_flush(s, &j->err) != 0 && !store_lazy_failed(s)) {
            j->rc = -j->err.code;
            continue;
        }
        if (store_lazy_failed(s))
            break;
        store_set_lazy(s, lazy && j->rerunnable);
        if (store_begin(s, &j->err) != 0) {
            j->rc = -EP_EUNAVAILABLE;
            continue;
        }
        j->rc = j->run(s, j->ctx, &j->err);
        if (j->rc == 0) {
            j->rc = store_commit(s, &j->err);
        } else {
            while (store_in_transaction(s) > 1)
                store_rollback(s);
        }
        if (store_lazy_failed(s))
            break;
    }
    store_set_lazy(s, 0);
    if (!begun)
        return 0;
    while (store_in_transaction(s) > 1) /* a job that left a savepoint open */
        store_rollback(s);
    int committed = !store_lazy_failed(s) && store_commit(s, err) == 0;
    if (!store_lazy_failed(s))
        return committed;
    if (store_in_transaction(s))
        store_rollback(s);
    return -1;
}

/* Runs one batch: BEGIN, each job in a savepoint, COMMIT, then done(). */
static void run_batch(struct store_group *g, struct store_group_job *batch)
{
    struct ep_error err;
    ep_error_clear(&err);
    int n = 0;
    for (struct store_group_job *j = batch; j; j = j->next)
        n++;
    int committed = run_jobs(g, batch, 1, &err);
    if (committed < 0) {
        log_info("group commit: a write of a job whose savepoint was released failed;"
                 " the batch of %d job(s) runs again, each job's writes answered at its release",
                 n);
        ep_error_clear(&err);
        committed = run_jobs(g, batch, 0, &err);
    }
    if (committed <= 0) {
        if (err.code)
            log_error("group commit of %d job(s) failed: %s", n, ep_error_message(&err, 1));
        for (struct store_group_job *j = batch; j; j = j->next)
            if (j->rc == 0) {
                j->err = err;
                j->rc = err.code ? -err.code : -EP_EUNAVAILABLE;
            }
    }
    pthread_mutex_lock(&g->lock);
    g->batches++;
    g->jobs += n;
    if (committed && g->deferred) { /* answered once the log is on disk */
        if (g->sync_tail)
            g->sync_tail->next = batch;
        else
            g->sync_head = batch;
        while (batch->next)
            batch = batch->next;
        g->sync_tail = batch;
        pthread_cond_signal(&g->sync_wake);
        pthread_mutex_unlock(&g->lock);
        return;
    }
    pthread_mutex_unlock(&g->lock);
    if (committed && g->on_commit)
        g->on_commit(g->on_commit_arg);
    finish(batch);
}

/* Makes every batch committed so far durable with one fdatasync of the log,
 * then answers their jobs.  A job is never told it succeeded before its
 * writes are on disk; other connections may read them up to one fsync
 * earlier (docs/scale.md, "Deferred durability"). */
static void *syncer_main(void *arg)
{
    struct store_group *g = arg;
    pthread_mutex_lock(&g->lock);
    for (;;) {
        while (!g->sync_head && !g->sync_stopping)
            pthread_cond_wait(&g->sync_wake, &g->lock);
        if (!g->sync_head)
            break;
        struct store_group_job *jobs = g->sync_head;
        g->sync_head = g->sync_tail = NULL;
        pthread_mutex_unlock(&g->lock);
        struct ep_error err;
        ep_error_clear(&err);
        if (store_log_sync(g->store, &err) != 0) {
            /* The rows are committed but not known to be on disk: the
             * requests fail (503) rather than claim a durability they lack. */
            log_error("sync of the write-ahead log failed: %s", ep_error_message(&err, 1));
            for (struct store_group_job *j = jobs; j; j = j->next)
                if (j->rc == 0) {
                    j->err = err;
                    j->rc = -EP_EUNAVAILABLE;
                }
        }
        pthread_mutex_lock(&g->lock);
        g->syncs++;
        pthread_mutex_unlock(&g->lock);
        if (g->on_commit)
            g->on_commit(g->on_commit_arg);
        finish(jobs);
        pthread_mutex_lock(&g->lock);
    }
    pthread_mutex_unlock(&g->lock);
    return NULL;
}

/* Under a steady stream of batches the log would never start over: SQLite
 * rewinds it only when a write transaction begins while every frame has been
 * copied back, and the checkpointer, running beside the writer, always
 * finishes a little behind.  The log then grows without end (a gigabyte in
 * 25 s of B1), and every commit writes to fresh blocks that the file system
 * first zeroes.  So once the log is past LOG_RESTART_PAGES the writer asks
 * the checkpointer to run again at once, and again, until at most
 * LOG_RESTART_NEAR frames were left after its run; then the writer copies
 * the few it has not reached (and those committed since) itself, between
 * two batches, and the next batch writes from the log's start again.
 * Measured in B1: copying all the checkpointer had not yet reached held the
 * writer 5-20 ms (128 of 144 restarts); with the short copy the pause was
 * 7.2 / 9.9 ms (p50 / p90), most of it the database's fsync of every page the
 * checkpointer had copied since the last restart; since the checkpointer
 * syncs the database after each of its runs (checkpointer_main) it is
 * 4.0 / 6.0 ms (BENCH.md, 2026-12-07 late).  The pause hardly depends on
 * the log's size, so a longer log pauses less often: at 4,096 pages B1
 * restarted ten times a second and the pauses were 4.8 % of the writer's
 * time, at 16,384 pages (64 MiB) 1.4 %.  When it
 * cannot (the checkpointer is busy copying), it tries again before the next
 * batch.  Returns 1 once the log will start over. */
static int log_restart(struct store_group *g)
{
    struct ep_error err;
    ep_error_clear(&err);
    int rc = store_checkpoint(g->store, NULL, &err);
    if (rc < 0)
        log_warn("checkpoint: %s", ep_error_message(&err, 1));
    return rc == 1;
}

/* Called by the writer before each batch while the log is to start over,
 * without the lock.  Returns 1 once it will. */
static int restart_step(struct store_group *g)
{
    pthread_mutex_lock(&g->lock);
    int left = g->copy_left;
    if (!g->restart_wanted) {
        g->restart_wanted = 1;
        g->copy_left = left = -1;
        pthread_cond_signal(&g->checkpoint_wake);
    }
    pthread_mutex_unlock(&g->lock);
    int near = left >= 0 && left <= LOG_RESTART_NEAR;
    if (!near && store_log_pages(g->store) < LOG_RESTART_FORCE)
        return 0; /* the checkpointer is still on its way */
    if (!log_restart(g))
        return 0;
    pthread_mutex_lock(&g->lock);
    g->restart_wanted = 0;
    pthread_mutex_unlock(&g->lock);
    return 1;
}

static void *writer_main(void *arg)
{
    struct store_group *g = arg;
    int restart = 0; /* 1 while the log is to start over */
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
        pthread_mutex_unlock(&g->lock);
        if (restart && restart_step(g))
            restart = 0;
        run_batch(g, batch);
        if (store_log_pages(g->store) > LOG_RESTART_PAGES)
            restart = 1;
        pthread_mutex_lock(&g->lock);
    }
    pthread_mutex_unlock(&g->lock);
    return NULL;
}

/* Checkpoints every CHECKPOINT_INTERVAL_MS until stopping: the writer's
 * commits then only append to the log (one fsync) and never pause to copy
 * it back, which would stall every request of that batch.  While the writer
 * wants the log to start over it runs again at once until few frames are
 * left (log_restart). */
static void *checkpointer_main(void *arg)
{
    struct store_group *g = arg;
    struct timespec until;
    pthread_mutex_lock(&g->lock);
    int progress = 0; /* 1 when the last run left fewer frames than the one before */
    while (!g->stopping) {
        int left = g->copy_left;
        if (!g->restart_wanted || !progress || left <= LOG_RESTART_NEAR) {
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_nsec += CHECKPOINT_INTERVAL_MS * 1000000L;
            if (until.tv_nsec >= 1000000000L) {
                until.tv_sec++;
                until.tv_nsec -= 1000000000L;
            }
            /* Woken early by the writer's ask for a restart, or a stop. */
            pthread_cond_timedwait(&g->checkpoint_wake, &g->lock, &until);
        }
        if (g->stopping)
            break;
        pthread_mutex_unlock(&g->lock);
        struct ep_error err;
        ep_error_clear(&err);
        /* What the run copied is made durable here, off the writer's path
         * (store_data_sync; the restart's pause it shortens: log_restart). */
        if (store_checkpoint(g->checkpoint_store, &left, &err) < 0 ||
            (left >= 0 && store_data_sync(g->checkpoint_store, &err) != 0))
            log_warn("checkpoint: %s", ep_error_message(&err, 1));
        pthread_mutex_lock(&g->lock);
        /* Again at once only while that gets closer: a reader holding an
         * old snapshot, or the writer copying, stops the copy short. */
        progress = left >= 0 && (g->copy_left < 0 || left < g->copy_left);
        if (g->restart_wanted)
            g->copy_left = left;
    }
    pthread_mutex_unlock(&g->lock);
    return NULL;
}

/* Stops the threads that run (writer first: its last batches still go to
 * the syncer), closes the connections and frees "g". */
static void shut_down(struct store_group *g, int writer, int syncer, int checkpointer)
{
    pthread_mutex_lock(&g->lock);
    g->stopping = 1;
    pthread_cond_signal(&g->wake);
    pthread_cond_signal(&g->checkpoint_wake);
    pthread_mutex_unlock(&g->lock);
    if (writer)
        pthread_join(g->thread, NULL);
    pthread_mutex_lock(&g->lock);
    g->sync_stopping = 1;
    pthread_cond_signal(&g->sync_wake);
    pthread_mutex_unlock(&g->lock);
    if (syncer)
        pthread_join(g->syncer, NULL);
    if (checkpointer)
        pthread_join(g->checkpointer, NULL);
    struct ep_error err;
    ep_error_clear(&err);
    store_checkpoint(g->checkpoint_store, NULL, &err); /* leave a short log behind */
    store_close(g->checkpoint_store);
    store_close(g->store);
    pthread_mutex_destroy(&g->lock);
    pthread_cond_destroy(&g->wake);
    pthread_cond_destroy(&g->checkpoint_wake);
    pthread_cond_destroy(&g->sync_wake);
    free(g);
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
    pthread_cond_init(&g->sync_wake, NULL);
    g->deferred = store_sync_defer(g->store, err);
    if (g->deferred < 0) {
        shut_down(g, 0, 0, 0);
        return -EP_EUNAVAILABLE;
    }
    if (pthread_create(&g->checkpointer, NULL, checkpointer_main, g) != 0) {
        shut_down(g, 0, 0, 0);
        return ep_error_set(err, EP_EINTERNAL, "无法启动检查点线程",
                            "cannot start the checkpoint thread");
    }
    if (g->deferred && pthread_create(&g->syncer, NULL, syncer_main, g) != 0) {
        shut_down(g, 0, 0, 1);
        return ep_error_set(err, EP_EINTERNAL, "无法启动写盘线程", "cannot start the sync thread");
    }
    if (pthread_create(&g->thread, NULL, writer_main, g) != 0) {
        shut_down(g, 0, g->deferred, 1);
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
    if (g)
        shut_down(g, 1, g->deferred, 1);
}

void store_group_stats(struct store_group *g, long long *batches, long long *jobs, long long *syncs)
{
    pthread_mutex_lock(&g->lock);
    *batches = g->batches;
    *jobs = g->jobs;
    *syncs = g->syncs;
    pthread_mutex_unlock(&g->lock);
}
