/*
 * ratelimit.h -- token buckets per client address (writes) or per user
 * (exact ID-number lookups).
 *
 * Each IP address (IPv4, or IPv6 by its full 128 bits) has a bucket of
 * "burst" tokens refilled at "rate" tokens per second; a write takes one.
 * Buckets live in a small fixed hash table guarded by a mutex: no allocation
 * per client, bounded memory under a flood of addresses.  When the table is
 * full around an address, the bucket idle the longest is reused (its owner
 * starts again with a full bucket: the limiter errs on letting writes in).
 *
 * Loopback addresses (127.0.0.0/8, ::1) can be exempted: tests and
 * benchmarks run there, and a reverse proxy on the same machine makes every
 * client look like 127.0.0.1 (rate-limit at the proxy in that setup).
 *
 * Ownership: the limiter is heap-allocated (http_ratelimit_new/free) and may
 * be used from any thread.
 */
#ifndef EPIGRID_HTTP_RATELIMIT_H
#define EPIGRID_HTTP_RATELIMIT_H
#include <stdint.h>
#include <sys/socket.h>

struct http_ratelimit;

/* A limiter of "rate" tokens per second (> 0) with buckets of "burst" tokens
 * (>= 1); "exempt_loopback" 1 lets loopback clients through unlimited.
 * Returns NULL when out of memory. */
struct http_ratelimit *http_ratelimit_new(double rate, double burst, int exempt_loopback);
void http_ratelimit_free(struct http_ratelimit *rl);

/* Takes a token for the client "sa" at monotonic time "now_us".  Returns 0
 * when the write may go ahead, else the whole seconds (>= 1) until a token
 * will be there (the Retry-After value).  Addresses of other families
 * (e.g. Unix sockets) are never limited. */
int http_ratelimit_take(struct http_ratelimit *rl, const struct sockaddr *sa, int64_t now_us);

/* The same for the bucket of user "user_id" (a limiter of its own: keys of
 * users and addresses are not told apart).  Never exempt. */
int http_ratelimit_take_user(struct http_ratelimit *rl, int64_t user_id, int64_t now_us);

#endif
