/*
 * ratelimit.c -- token buckets per client address (see ratelimit.h).
 */
#include "http/ratelimit.h"

#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 4096 /* buckets in the table (a power of two) */
#define PROBE 8    /* slots looked at around an address's home slot */

struct bucket {
    unsigned char addr[16]; /* IPv4 as ::ffff:a.b.c.d, IPv6 as is; a user id (take_user) */
    int used;               /* 1 once an address owns the slot */
    double tokens;          /* tokens left at last_us */
    int64_t last_us;        /* last refill time */
};

struct http_ratelimit {
    double rate;          /* tokens per second */
    double burst;         /* bucket size */
    int exempt_loopback;  /* 1: 127/8 and ::1 are not limited */
    pthread_mutex_t lock; /* guards slots[] */
    struct bucket *slots; /* SLOTS buckets (malloc) */
};

struct http_ratelimit *http_ratelimit_new(double rate, double burst, int exempt_loopback)
{
    struct http_ratelimit *rl = calloc(1, sizeof *rl);
    if (!rl)
        return NULL;
    rl->slots = calloc(SLOTS, sizeof *rl->slots);
    if (!rl->slots) {
        free(rl);
        return NULL;
    }
    rl->rate = rate > 0 ? rate : 1;
    rl->burst = burst >= 1 ? burst : 1;
    rl->exempt_loopback = exempt_loopback;
    pthread_mutex_init(&rl->lock, NULL);
    return rl;
}

void http_ratelimit_free(struct http_ratelimit *rl)
{
    if (!rl)
        return;
    pthread_mutex_destroy(&rl->lock);
    free(rl->slots);
    free(rl);
}

/* Fills "key" with the address; returns 1 for a loopback one, -1 for an
 * unsupported family. */
static int address_key(const struct sockaddr *sa, unsigned char key[16])
{
    static const unsigned char v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        memcpy(key, v4mapped, 12);
        memcpy(key + 12, &in->sin_addr, 4);
        return key[12] == 127;
    }
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
        memcpy(key, &in6->sin6_addr, 16);
        if (memcmp(key, v4mapped, 12) == 0)
            return key[12] == 127;
        return IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr) ? 1 : 0;
    }
    return -1;
}

/* FNV-1a over the 16 address bytes. */
static unsigned hash_key(const unsigned char key[16])
{
    uint32_t h = 2166136261u;
    for (int i = 0; i < 16; i++)
        h = (h ^ key[i]) * 16777619u;
    return h;
}

/* Takes a token from the bucket of "key" (see http_ratelimit_take). */
static int take_key(struct http_ratelimit *rl, const unsigned char key[16], int64_t now_us)
{
    unsigned home = hash_key(key) & (SLOTS - 1);
    pthread_mutex_lock(&rl->lock);
    struct bucket *b = NULL, *oldest = NULL;
    for (unsigned i = 0; i < PROBE; i++) {
        struct bucket *s = &rl->slots[(home + i) & (SLOTS - 1)];
        if (s->used && memcmp(s->addr, key, 16) == 0) {
            b = s;
            break;
        }
        if (!oldest || !s->used || (oldest->used && s->last_us < oldest->last_us))
            oldest = s;
    }
    if (!b) {
        b = oldest;
        memcpy(b->addr, key, 16);
        b->used = 1;
        b->tokens = rl->burst;
        b->last_us = now_us;
    }
    double elapsed = (double)(now_us - b->last_us) / 1e6;
    if (elapsed > 0) {
        b->tokens = fmin(rl->burst, b->tokens + elapsed * rl->rate);
        b->last_us = now_us;
    }
    int wait = 0;
    if (b->tokens >= 1) {
        b->tokens -= 1;
    } else {
        double seconds = ceil((1 - b->tokens) / rl->rate);
        wait = seconds < 1 ? 1 : seconds > 3600 ? 3600 : (int)seconds;
    }
    pthread_mutex_unlock(&rl->lock);
    return wait;
}

int http_ratelimit_take(struct http_ratelimit *rl, const struct sockaddr *sa, int64_t now_us)
{
    unsigned char key[16];
    int loopback = sa ? address_key(sa, key) : -1;
    if (loopback < 0 || (loopback && rl->exempt_loopback))
        return 0;
    return take_key(rl, key, now_us);
}

int http_ratelimit_take_user(struct http_ratelimit *rl, int64_t user_id, int64_t now_us)
{
    unsigned char key[16] = {0};
    uint64_t v = (uint64_t)user_id;
    for (int i = 0; i < 8; i++)
        key[15 - i] = (unsigned char)(v >> (8 * i));
    return take_key(rl, key, now_us);
}
