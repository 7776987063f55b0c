/*
 * test_ratelimit.c -- the per-address token bucket: burst then refusal with
 * a Retry-After, refill over time, addresses independent, loopback exempt
 * only when asked, IPv6, per-user buckets, and many addresses sharing the
 * fixed table.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <string.h>

#include "http/ratelimit.h"

static struct sockaddr_in v4(const char *ip)
{
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    inet_pton(AF_INET, ip, &sa.sin_addr);
    return sa;
}

#define SA(x) ((const struct sockaddr *)&(x))
#define SEC   1000000LL

static void burst_then_retry_after_then_refill(void **state)
{
    (void)state;
    struct http_ratelimit *rl = http_ratelimit_new(2, 5, 1);
    struct sockaddr_in a = v4("10.1.2.3");
    int64_t t = 100 * SEC;
    for (int i = 0; i < 5; i++)
        assert_int_equal(http_ratelimit_take(rl, SA(a), t), 0);
    int wait = http_ratelimit_take(rl, SA(a), t);
    assert_int_equal(wait, 1); /* 2 per second: one token in 0.5 s, rounded up */
    /* another address is not affected */
    struct sockaddr_in b = v4("10.1.2.4");
    assert_int_equal(http_ratelimit_take(rl, SA(b), t), 0);
    /* half a second later one token is back, then none */
    assert_int_equal(http_ratelimit_take(rl, SA(a), t + SEC / 2), 0);
    assert_true(http_ratelimit_take(rl, SA(a), t + SEC / 2) >= 1);
    /* after a long pause the bucket is full again, never more than the burst */
    t += 3600 * SEC;
    for (int i = 0; i < 5; i++)
        assert_int_equal(http_ratelimit_take(rl, SA(a), t), 0);
    assert_true(http_ratelimit_take(rl, SA(a), t) >= 1);
    http_ratelimit_free(rl);
}

static void slow_rate_gives_longer_retry_after(void **state)
{
    (void)state;
    struct http_ratelimit *rl = http_ratelimit_new(0.1, 1, 1); /* one per 10 s */
    struct sockaddr_in a = v4("192.0.2.7");
    assert_int_equal(http_ratelimit_take(rl, SA(a), 0), 0);
    assert_int_equal(http_ratelimit_take(rl, SA(a), 0), 10);
    assert_int_equal(http_ratelimit_take(rl, SA(a), 4 * SEC), 6);
    http_ratelimit_free(rl);
}

static void loopback_exempt_only_when_asked(void **state)
{
    (void)state;
    struct sockaddr_in lo = v4("127.0.0.1"), lo2 = v4("127.3.4.5");
    struct sockaddr_in6 lo6;
    memset(&lo6, 0, sizeof lo6);
    lo6.sin6_family = AF_INET6;
    lo6.sin6_addr = in6addr_loopback;
    struct http_ratelimit *exempt = http_ratelimit_new(1, 1, 1);
    struct http_ratelimit *strict = http_ratelimit_new(1, 1, 0);
    for (int i = 0; i < 100; i++) {
        assert_int_equal(http_ratelimit_take(exempt, SA(lo), 0), 0);
        assert_int_equal(http_ratelimit_take(exempt, SA(lo2), 0), 0);
        assert_int_equal(http_ratelimit_take(exempt, SA(lo6), 0), 0);
    }
    assert_int_equal(http_ratelimit_take(strict, SA(lo), 0), 0);
    assert_int_equal(http_ratelimit_take(strict, SA(lo), 0), 1);
    assert_int_equal(http_ratelimit_take(strict, SA(lo6), 0), 0);
    assert_int_equal(http_ratelimit_take(strict, SA(lo6), 0), 1);
    http_ratelimit_free(exempt);
    http_ratelimit_free(strict);
}

static void ipv6_addresses_have_their_own_buckets(void **state)
{
    (void)state;
    struct http_ratelimit *rl = http_ratelimit_new(1, 2, 1);
    struct sockaddr_in6 a, b;
    memset(&a, 0, sizeof a);
    a.sin6_family = AF_INET6;
    inet_pton(AF_INET6, "2001:db8::1", &a.sin6_addr);
    b = a;
    inet_pton(AF_INET6, "2001:db8::2", &b.sin6_addr);
    assert_int_equal(http_ratelimit_take(rl, SA(a), 0), 0);
    assert_int_equal(http_ratelimit_take(rl, SA(a), 0), 0);
    assert_int_equal(http_ratelimit_take(rl, SA(a), 0), 1);
    assert_int_equal(http_ratelimit_take(rl, SA(b), 0), 0);
    /* an IPv4-mapped loopback is loopback */
    struct sockaddr_in6 mapped = a;
    inet_pton(AF_INET6, "::ffff:127.0.0.1", &mapped.sin6_addr);
    for (int i = 0; i < 10; i++)
        assert_int_equal(http_ratelimit_take(rl, SA(mapped), 0), 0);
    http_ratelimit_free(rl);
}

/* Lookups are limited per user: each user a bucket, never exempt. */
static void users_have_their_own_buckets(void **state)
{
    (void)state;
    struct http_ratelimit *rl = http_ratelimit_new(0.1, 3, 1);
    int64_t t = 7 * SEC;
    for (int i = 0; i < 3; i++)
        assert_int_equal(http_ratelimit_take_user(rl, 42, t), 0);
    assert_int_equal(http_ratelimit_take_user(rl, 42, t), 10); /* one token per 10 s */
    assert_int_equal(http_ratelimit_take_user(rl, 43, t), 0);
    assert_int_equal(http_ratelimit_take_user(rl, 42, t + 10 * SEC), 0);
    http_ratelimit_free(rl);
}

static void many_addresses_share_the_table(void **state)
{
    (void)state;
    /* 100,000 addresses through a 4096-slot table: nothing crashes, a busy
     * address keeps being limited while the others come and go. */
    struct http_ratelimit *rl = http_ratelimit_new(1, 3, 1);
    struct sockaddr_in busy = v4("198.51.100.1");
    int refused = 0;
    for (uint32_t i = 0; i < 100000; i++) {
        struct sockaddr_in other;
        memset(&other, 0, sizeof other);
        other.sin_family = AF_INET;
        other.sin_addr.s_addr = htonl(0x0a000000u + i);
        http_ratelimit_take(rl, SA(other), i);
        if (i % 1000 == 0 && http_ratelimit_take(rl, SA(busy), i) != 0)
            refused++;
    }
    /* 100 tries within 0.1 s: at most the burst of 3 succeed (+ evictions) */
    assert_true(refused >= 90);
    struct sockaddr_un_like {
        sa_family_t family;
    } unix_like = {AF_UNIX};
    assert_int_equal(http_ratelimit_take(rl, (const struct sockaddr *)&unix_like, 0), 0);
    http_ratelimit_free(rl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(burst_then_retry_after_then_refill),
        cmocka_unit_test(slow_rate_gives_longer_retry_after),
        cmocka_unit_test(loopback_exempt_only_when_asked),
        cmocka_unit_test(ipv6_addresses_have_their_own_buckets),
        cmocka_unit_test(users_have_their_own_buckets),
        cmocka_unit_test(many_addresses_share_the_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
