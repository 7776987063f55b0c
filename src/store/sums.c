/*
 * sums.c -- deferred additive upserts per transaction (see store.h,
 * "Deferred sums").
 *
 * One connection's pending sums are a hash map from (k1, k2) to one delta
 * per transaction level: level 1 is the outer transaction, deeper levels are
 * savepoints.  A level remembers which entries it touched, so that releasing
 * a savepoint (its deltas go to the parent) or rolling it back (they vanish)
 * costs what that savepoint did, not what the whole batch did.  The outer
 * COMMIT hands every nonzero level-1 delta, sorted by key (two processes on
 * PostgreSQL then lock counter rows in the same order), to the flush function
 * the caller gave, and the map starts empty again.
 */
#include <stdlib.h>
#include <string.h>

#include "store/store_impl.h"

#define SUM_LEVELS 4  /* deeper savepoints write at once */
#define SUM_K1_MAX 24 /* bytes with the terminator: region codes are 15 */
#define SUM_K2_MAX 48 /* bytes with the terminator: longer names write at once */

struct sum_entry {
    char k1[SUM_K1_MAX];
    char k2[SUM_K2_MAX];
    int64_t d[SUM_LEVELS]; /* delta per transaction level */
    unsigned touched;      /* bit L-1: listed in level L's touched list */
};

struct store_sums {
    store_sums_flush_fn flush; /* how the owner writes rows (one function per connection) */
    int broken;                /* out of memory while merging a savepoint: the sums are wrong */
    struct sum_entry *v;       /* entries, in insertion order */
    size_t n, cap;
    uint32_t *slots; /* open addressing: entry index + 1, 0 = empty */
    size_t nslots;   /* a power of two, at least 2 * cap */
    uint32_t *touched[SUM_LEVELS];
    size_t ntouched[SUM_LEVELS], captouched[SUM_LEVELS];
};

static uint32_t hash_keys(const char *k1, const char *k2)
{
    uint32_t h = 2166136261u; /* FNV-1a over both keys and a separator */
    for (const unsigned char *p = (const unsigned char *)k1; *p; p++)
        h = (h ^ *p) * 16777619u;
    h = (h ^ 0xffu) * 16777619u;
    for (const unsigned char *p = (const unsigned char *)k2; *p; p++)
        h = (h ^ *p) * 16777619u;
    return h;
}

static void sums_clear(struct store_sums *m)
{
    if (m->n)
        memset(m->slots, 0, m->nslots * sizeof *m->slots);
    m->n = 0;
    for (int l = 0; l < SUM_LEVELS; l++)
        m->ntouched[l] = 0;
}

/* Doubles the entry array and rebuilds the slots; 0 or -1 (out of memory). */
static int sums_grow(struct store_sums *m)
{
    size_t cap = m->cap ? m->cap * 2 : 256;
    struct sum_entry *v = realloc(m->v, cap * sizeof *v);
    if (!v)
        return -1;
    m->v = v;
    uint32_t *slots = calloc(cap * 2, sizeof *slots);
    if (!slots)
        return -1;
    free(m->slots);
    m->slots = slots;
    m->nslots = cap * 2;
    m->cap = cap;
    for (size_t i = 0; i < m->n; i++) {
        size_t s = hash_keys(v[i].k1, v[i].k2) & (m->nslots - 1);
        while (slots[s])
            s = (s + 1) & (m->nslots - 1);
        slots[s] = (uint32_t)i + 1;
    }
    return 0;
}

/* The entry of (k1, k2), created when absent; NULL when out of memory. */
static struct sum_entry *sums_find(struct store_sums *m, const char *k1, const char *k2, int create)
{
    if (!m->nslots) {
        if (!create || sums_grow(m) != 0)
            return NULL;
    }
    size_t s = hash_keys(k1, k2) & (m->nslots - 1);
    for (; m->slots[s]; s = (s + 1) & (m->nslots - 1)) {
        struct sum_entry *e = &m->v[m->slots[s] - 1];
        if (strcmp(e->k1, k1) == 0 && strcmp(e->k2, k2) == 0)
            return e;
    }
    if (!create)
        return NULL;
    if (m->n == m->cap) {
        if (sums_grow(m) != 0)
            return NULL;
        return sums_find(m, k1, k2, create);
    }
    struct sum_entry *e = &m->v[m->n];
    memset(e, 0, sizeof *e);
    strcpy(e->k1, k1);
    strcpy(e->k2, k2);
    m->slots[s] = (uint32_t)++m->n;
    return e;
}

/* Lists entry "e" as touched at "level" (1-based); -1 when out of memory. */
static int sums_touch(struct store_sums *m, struct sum_entry *e, int level)
{
    unsigned bit = 1u << (level - 1);
    if (e->touched & bit)
        return 0;
    size_t l = (size_t)level - 1;
    if (m->ntouched[l] == m->captouched[l]) {
        size_t cap = m->captouched[l] ? m->captouched[l] * 2 : 64;
        uint32_t *t = realloc(m->touched[l], cap * sizeof *t);
        if (!t)
            return -1;
        m->touched[l] = t;
        m->captouched[l] = cap;
    }
    m->touched[l][m->ntouched[l]++] = (uint32_t)(e - m->v);
    e->touched |= bit;
    return 0;
}

int store_sum_defer(struct store *s, store_sums_flush_fn flush, const char *k1, size_t k1len,
                    const char *k2, int64_t delta)
{
    int level = s->depth;
    if (level < 1 || level > SUM_LEVELS || k1len >= SUM_K1_MAX || strlen(k2) >= SUM_K2_MAX)
        return 0;
    struct store_sums *m = s->sums;
    if (!m) {
        if (!(m = calloc(1, sizeof *m)))
            return 0;
        s->sums = m;
    }
    if (m->flush && m->flush != flush)
        return 0; /* one owner per connection */
    m->flush = flush;
    char key[SUM_K1_MAX];
    memcpy(key, k1, k1len);
    key[k1len] = '\0';
    struct sum_entry *e = sums_find(m, key, k2, 1);
    if (!e || sums_touch(m, e, level) != 0)
        return 0; /* out of memory: the caller writes it now */
    e->d[level - 1] += delta;
    return 1;
}

int64_t store_sum_pending(struct store *s, const char *k1, const char *k2)
{
    struct store_sums *m = s->sums;
    if (!m || !m->n)
        return 0;
    struct sum_entry *e = sums_find(m, k1, k2, 0);
    if (!e)
        return 0;
    int64_t sum = 0;
    for (int l = 0; l < SUM_LEVELS; l++)
        sum += e->d[l];
    return sum;
}

void store_sums_discard(struct store *s, const char *k2, int prefix)
{
    struct store_sums *m = s->sums;
    if (!m)
        return;
    size_t len = strlen(k2);
    for (size_t i = 0; i < m->n; i++)
        if (prefix ? strncmp(m->v[i].k2, k2, len) == 0 : strcmp(m->v[i].k2, k2) == 0)
            memset(m->v[i].d, 0, sizeof m->v[i].d);
}

/* Savepoint "level" (> 1) was released: its deltas join its parent's. */
void store_sums_release(struct store *s, int level)
{
    struct store_sums *m = s->sums;
    if (!m || level < 2 || level > SUM_LEVELS)
        return;
    size_t l = (size_t)level - 1;
    for (size_t i = 0; i < m->ntouched[l]; i++) {
        struct sum_entry *e = &m->v[m->touched[l][i]];
        e->d[l - 1] += e->d[l];
        e->d[l] = 0;
        e->touched &= ~(1u << l);
        if (sums_touch(m, e, level - 1) != 0)
            m->broken = 1; /* out of memory: the outer commit fails (store_sums_flush) */
    }
    m->ntouched[l] = 0;
}

/* Level "level" was rolled back: its deltas (and any deeper ones) vanish;
 * level 1 rolled back empties the map. */
void store_sums_rollback(struct store *s, int level)
{
    struct store_sums *m = s->sums;
    if (!m)
        return;
    if (level <= 1) {
        sums_clear(m);
        m->broken = 0;
        return;
    }
    for (int lv = level; lv <= SUM_LEVELS; lv++) {
        size_t l = (size_t)lv - 1;
        for (size_t i = 0; i < m->ntouched[l]; i++) {
            struct sum_entry *e = &m->v[m->touched[l][i]];
            e->d[l] = 0;
            e->touched &= ~(1u << l);
        }
        m->ntouched[l] = 0;
    }
}

static int cmp_entry(const void *a, const void *b)
{
    const struct sum_entry *x = *(const struct sum_entry *const *)a;
    const struct sum_entry *y = *(const struct sum_entry *const *)b;
    int c = strcmp(x->k1, y->k1);
    return c ? c : strcmp(x->k2, y->k2);
}

int store_sums_flush(struct store *s, struct ep_error *err)
{
    struct store_sums *m = s->sums;
    if (!m || !m->n)
        return 0;
    if (m->broken) {
        m->broken = 0;
        sums_clear(m);
        return ep_error_set(err, EP_EINTERNAL, "内存不足", "out of memory");
    }
    size_t n = m->ntouched[0];
    const struct sum_entry **sorted = malloc((n ? n : 1) * sizeof *sorted);
    if (!sorted) {
        sums_clear(m);
        return ep_error_set(err, EP_EINTERNAL, "内存不足", "out of memory");
    }
    for (size_t i = 0; i < n; i++)
        sorted[i] = &m->v[m->touched[0][i]];
    qsort(sorted, n, sizeof *sorted, cmp_entry);
    enum { CHUNK = 64 };
    struct store_sum_row rows[CHUNK];
    size_t k = 0;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        const struct sum_entry *e = sorted[i];
        if (!e->d[0])
            continue;
        rows[k++] = (struct store_sum_row){e->k1, e->k2, e->d[0]};
        if (k == CHUNK) {
            rc = m->flush(s, rows, k, err);
            k = 0;
        }
    }
    if (rc == 0 && k)
        rc = m->flush(s, rows, k, err);
    free(sorted);
    sums_clear(m);
    return rc;
}

void store_sums_free(struct store *s)
{
    struct store_sums *m = s->sums;
    if (!m)
        return;
    free(m->v);
    free(m->slots);
    for (int l = 0; l < SUM_LEVELS; l++)
        free(m->touched[l]);
    free(m);
    s->sums = NULL;
}
