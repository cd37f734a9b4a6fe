/*
 * crypto/nettle/nettle_random.c - randomness from the operating system, and
 * the small glue between lucidtls's byte strings and GMP's limbs that the
 * other files of the Nettle provider share.
 *
 * Theory of operation. Random bytes come from getrandom(2) and from nothing
 * else: Nettle's Yarrow/Fortuna generators would need seeding, reseeding and
 * a lock around shared state, while the kernel's generator is already a
 * thread-safe CSPRNG. A short read (requests above 256 bytes may return
 * less) is continued and EINTR retried.
 *
 * Nettle's public-key functions take their randomness through a callback
 * that cannot fail. ltls_nettle_rng_cb records a getrandom failure in its
 * context instead, and every caller checks the flag after the Nettle call
 * and discards the result. The bytes handed to Nettle after a failure are
 * never secret; they only vary, so that Nettle's rejection-sampling loops
 * (a scalar in [1, n), an invertible blinding factor, a prime) still end.
 *
 * Numbers cross into Nettle as limbs. Converting big-endian bytes to limbs
 * here, into buffers we own, lets secret key material reach Nettle through
 * read-only mpz views without a GMP allocation that we could not wipe.
 */
#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "crypto/nettle/ltls_nettle.h"

static int fill(uint8_t *out, size_t len)
{
    while (len) {
        ssize_t n = getrandom(out, len, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return 0;
        }
        out += n;
        len -= (size_t)n;
    }
    return 1;
}

ltls_err_t ltls_nettle_random(void *impl, uint8_t *out, size_t len)
{
    (void)impl;
    if (!out && len)
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    return fill(out, len) ? LTLS_OK : ltls_err_make(LTLS_R_RANDOM);
}

void ltls_nettle_rng_cb(void *ctx, size_t len, uint8_t *dst)
{
    ltls_nettle_rng_t *rng = ctx;
    if (!rng->failed && fill(dst, len))
        return;
    rng->failed = 1;
    /* Never all zero and different on every call, so that Nettle's
     * rejection loops (which call again until a value fits) terminate; the
     * caller throws the result away. */
    uint32_t c = rng->counter++;
    for (size_t i = 0; i < len; i++)
        dst[i] = (uint8_t)(((uint32_t)i * 151u + c * 97u + 7u) | 1u);
}

int ltls_nettle_limbs_from_be(mp_limb_t *dst, size_t cap, const uint8_t *be, size_t len)
{
    while (len && !*be) {
        be++;
        len--;
    }
    if (len > cap * sizeof(mp_limb_t))
        return -1;
    memset(dst, 0, cap * sizeof(mp_limb_t));
    for (size_t i = 0; i < len; i++) {
        /* Byte i from the end is byte (i % limb size) of limb i / limb size. */
        size_t limb = i / sizeof(mp_limb_t), shift = 8 * (i % sizeof(mp_limb_t));
        dst[limb] |= (mp_limb_t)be[len - 1 - i] << shift;
    }
    return 0;
}

mpz_srcptr ltls_nettle_mpz_view(mpz_ptr z, const mp_limb_t *limbs, size_t n)
{
    return mpz_roinit_n(z, limbs, (mp_size_t)n);
}

void ltls_nettle_mpz_wipe_clear(mpz_ptr z)
{
    /* GMP offers no call that names the allocated size, so this reads the
     * fields gmp.h documents for __mpz_struct. */
    ltls_wipe(z->_mp_d, (size_t)z->_mp_alloc * sizeof(mp_limb_t));
    mpz_clear(z);
}

void ltls_nettle_ecc_scalar_wipe_clear(struct ecc_scalar *s)
{
    /* ecc_scalar_init allocates ecc_size() limbs (the field's size, which
     * is also the group order's for the NIST curves). */
    ltls_wipe(s->p, (size_t)ecc_size(s->ecc) * sizeof(mp_limb_t));
    ecc_scalar_clear(s);
}

void ltls_nettle_ecc_point_wipe_clear(struct ecc_point *p)
{
    ltls_wipe(p->p, 2 * (size_t)ecc_size(p->ecc) * sizeof(mp_limb_t));
    ecc_point_clear(p);
}
