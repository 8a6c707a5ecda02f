/* Memory of successful signature verifications; see brski/verify_cache.h. */
#include "brski/verify_cache.h"

#include <pthread.h>
#include <string.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/sha256.h>

typedef struct slot {
    bool used;
    uint8_t key[BRSKI_VERIFY_CACHE_KEY];
} slot;

static pthread_mutex_t cache_mu = PTHREAD_MUTEX_INITIALIZER;
static slot cache[BRSKI_VERIFY_CACHE_SLOTS];
static uint64_t cache_hits, cache_misses;

/* Length-prefixed so that no two different input tuples hash the same bytes. */
static int hash_field(wc_Sha256 *h, const uint8_t *p, size_t len)
{
    uint8_t pre[8];
    uint64_t n = (uint64_t)len;

    for (size_t i = 0; i < 8; i++) {
        pre[i] = (uint8_t)(n >> (56u - 8u * i));
    }
    if (wc_Sha256Update(h, pre, sizeof(pre)) != 0) {
        return -1;
    }
    while (len > 0) {
        word32 chunk = len > 0x40000000u ? 0x40000000u : (word32)len;
        if (wc_Sha256Update(h, p, chunk) != 0) {
            return -1;
        }
        p += chunk;
        len -= chunk;
    }
    return 0;
}

static size_t slot_of(const uint8_t key[BRSKI_VERIFY_CACHE_KEY])
{
    return ((size_t)key[0] | ((size_t)key[1] << 8)) % BRSKI_VERIFY_CACHE_SLOTS;
}

bool brski_verify_cache_hit(brski_slice spki, int alg, int fmt, brski_slice msg, brski_slice sig,
                            uint8_t key[BRSKI_VERIFY_CACHE_KEY])
{
    wc_Sha256 h;
    uint8_t params[2];
    bool hit = false;
    int ret;

    memset(key, 0, BRSKI_VERIFY_CACHE_KEY);
    params[0] = (uint8_t)alg;
    params[1] = (uint8_t)fmt;
    ret = wc_InitSha256(&h);
    if (ret == 0) {
        ret = hash_field(&h, params, sizeof(params));
    }
    if (ret == 0 && (alg < 0 || alg > 0xff || fmt < 0 || fmt > 0xff)) {
        ret = -1;
    }
    if (ret == 0) {
        ret = hash_field(&h, spki.p, spki.len);
    }
    if (ret == 0) {
        ret = hash_field(&h, msg.p, msg.len);
    }
    if (ret == 0) {
        ret = hash_field(&h, sig.p, sig.len);
    }
    if (ret == 0) {
        ret = wc_Sha256Final(&h, key);
    }
    wc_Sha256Free(&h);
    if (ret != 0) {
        /* No usable key: an all-zero key is never stored, so this misses. */
        memset(key, 0, BRSKI_VERIFY_CACHE_KEY);
    }
    pthread_mutex_lock(&cache_mu);
    if (ret == 0) {
        const slot *s = &cache[slot_of(key)];
        hit = s->used && memcmp(s->key, key, BRSKI_VERIFY_CACHE_KEY) == 0;
    }
    if (hit) {
        cache_hits++;
    } else {
        cache_misses++;
    }
    pthread_mutex_unlock(&cache_mu);
    return hit;
}

void brski_verify_cache_add(const uint8_t key[BRSKI_VERIFY_CACHE_KEY])
{
    static const uint8_t zero[BRSKI_VERIFY_CACHE_KEY];
    slot *s;

    if (memcmp(key, zero, sizeof(zero)) == 0) {
        return;
    }
    pthread_mutex_lock(&cache_mu);
    s = &cache[slot_of(key)];
    memcpy(s->key, key, BRSKI_VERIFY_CACHE_KEY);
    s->used = true;
    pthread_mutex_unlock(&cache_mu);
}

void brski_verify_cache_clear(void)
{
    pthread_mutex_lock(&cache_mu);
    memset(cache, 0, sizeof(cache));
    cache_hits = 0;
    cache_misses = 0;
    pthread_mutex_unlock(&cache_mu);
}

void brski_verify_cache_stats(uint64_t *hits, uint64_t *misses)
{
    pthread_mutex_lock(&cache_mu);
    *hits = cache_hits;
    *misses = cache_misses;
    pthread_mutex_unlock(&cache_mu);
}
