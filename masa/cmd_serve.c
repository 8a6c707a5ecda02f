/*
 * brski-masa serve: the MASA HTTPS server (RFC 8995 5.5, 5.6, 5.8).
 *
 * POST /.well-known/brski/requestvoucher  registrar voucher-request -> voucher
 * POST /.well-known/brski/requestauditlog registrar voucher-request -> audit log JSON
 *
 * A voucher-request is CMS-signed JSON (application/voucher-cms+json, RFC
 * 8995) or a COSE_Sign1 over CBOR (application/voucher+cose, cBRSKI 8.1 /
 * 9.2.1); both go through the same checks. The voucher is produced in the
 * format the Accept header asks for, the request's format by default.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "brski/app.h"
#include "brski/cms.h"
#include "brski/codec.h"
#include "brski/config.h"
#include "brski/cose.h"
#include "brski/env.h"
#include "brski/log.h"
#include "brski/policy.h"
#include "brski/server.h"
#include "brski/signer.h"
#include "brski/store.h"
#include "brski/tls.h"
#include "brski/voucher.h"
#include "brski/voucher_accept.h"
#include "brski/voucher_cbor.h"
#include "brski/voucher_cli.h"
#include "brski/voucher_cose.h"
#include "brski/voucher_json.h"
#include "brski/x509.h"
#include "cmds.h"

#define MASA_CT_VOUCHER "application/voucher-cms+json"
#define MASA_CT_COSE "application/voucher+cose"
#define MASA_MAX_OWNERS 256u

typedef struct masa_owner {
    char serial[BRSKI_VOUCHER_MAX_SERIAL + 1];
    brski_cert ca;
} masa_owner;

typedef struct masa_ctx {
    brski_store *store;
    brski_anchor_store anchors;
    brski_signer *key;
    pthread_mutex_t sign_mu;  /* one signing operation with |key| at a time */
    brski_cert *signer_certs; /* signer first, then its chain */
    size_t signer_count;
    int64_t lifetime;
    brski_cert *inter;        /* manufacturer intermediates (idevid_intermediates) */
    size_t inter_count;
    bool allow_list;
    masa_owner *owners;
    size_t owner_count;
} masa_ctx;

static const char *const voucher_types[] = {MASA_CT_VOUCHER, MASA_CT_COSE, NULL};

/*
 * A registrar voucher-request in either format, signature checked: the
 * signer (registrar) certificate, the certificates that came with it (CMS
 * certificates or the COSE x5bag) and the decoded voucher-request.
 */
typedef struct masa_rvr {
    bool cose;
    brski_cms_signed sd;                  /* CMS */
    brski_cert bag[BRSKI_COSE_MAX_CERTS]; /* COSE: the parsed x5bag */
    size_t bag_count;
    const brski_cert *certs;              /* certificates of either format */
    size_t cert_count;
    const brski_cert *reg;                /* the signer, one of |certs| */
    brski_voucher vr;
} masa_rvr;

/* The prior-signed-voucher-request inside an RVR, signature checked. */
typedef struct masa_pvr {
    brski_cms_signed sd;                                 /* CMS */
    const brski_cert *idevid;                            /* the signer */
    brski_cert untrusted[BRSKI_CMS_MAX_CERTS + BRSKI_COSE_MAX_CERTS]; /* borrowed */
    size_t untrusted_count;
    brski_voucher vr;
} masa_pvr;

static void rvr_clear(masa_rvr *q)
{
    brski_cms_signed_clear(&q->sd);
    for (size_t i = 0; i < q->bag_count; i++) {
        brski_cert_clear(&q->bag[i]);
    }
    brski_voucher_clear(&q->vr);
}

static void pvr_clear(masa_pvr *p)
{
    brski_cms_signed_clear(&p->sd);
    brski_voucher_clear(&p->vr);
}

/*
 * The media type to answer with (RFC 9110 12.5.1): a voucher type named in
 * |accept|, the request's own one first; the request's type when Accept is
 * absent or a wildcard. NULL when Accept names nothing we can produce.
 */
static const char *pick_voucher_type(const char *accept, bool cose_in)
{
    const char *own = cose_in ? MASA_CT_COSE : MASA_CT_VOUCHER;
    const char *other = cose_in ? MASA_CT_VOUCHER : MASA_CT_COSE;
    bool has_own = false, has_other = false, wild = accept[0] == '\0';
    const char *p = accept;
    while (*p != '\0') {
        char tok[BRSKI_HTTP_MAX_CTYPE];
        size_t n = strcspn(p, ",");
        size_t skip = strspn(p, " \t");
        skip = skip < n ? skip : n;
        snprintf(tok, sizeof(tok), "%.*s", (int)(n - skip), p + skip);
        has_own = has_own || brski_http_ctype_is(tok, own);
        has_other = has_other || brski_http_ctype_is(tok, other);
        wild = wild || brski_http_ctype_is(tok, "*/*") || brski_http_ctype_is(tok, "application/*");
        p += n;
        p += *p == ',' ? 1 : 0;
    }
    if (has_own || wild) {
        return own;
    }
    return has_other ? other : NULL;
}

/* Refuses with |status| and an audit record. */
static brski_err refuse(masa_ctx *m, brski_http_msg *resp, const char *actor, const char *action,
                        int status, const char *why)
{
    brski_app_audit(m->store, actor, action, false, why);
    brski_http_msg_set_error(resp, status, "%s", why);
    return BRSKI_OK;
}

static int status_of(brski_err rv)
{
    switch (rv) {
    case BRSKI_ERR_TOOBIG:
        return 413;
    case BRSKI_ERR_MALFORMED:
    case BRSKI_ERR_ARG:
        return 400;
    case BRSKI_ERR_UNSUPPORTED:
        return 415;
    case BRSKI_ERR_CRYPTO:
    case BRSKI_ERR_POLICY:
    case BRSKI_ERR_AUTH:
        return 403;
    default:
        return 500;
    }
}

/*
 * COSE RVR (cBRSKI 8.1, 9.2.1): the registrar "MUST" put the certificates
 * needed to validate its signature into an x5bag; the signer is the bag
 * certificate whose key verifies the COSE signature.
 */
static brski_err rvr_open_cose(brski_slice body, masa_rvr *q, char *why, size_t cap)
{
    brski_cose_sign1 m;
    brski_err rv = brski_cose_sign1_parse(body, &m);
    if (rv != BRSKI_OK) {
        snprintf(why, cap, "cBRSKI 9.2.1: registrar voucher-request is not a COSE_Sign1: %s",
                 brski_err_str(rv));
        return rv == BRSKI_ERR_TOOBIG ? rv : BRSKI_ERR_MALFORMED;
    }
    for (size_t i = 0; i < m.x5_count; i++) {
        if (brski_cert_parse(m.x5[i], &q->bag[i]) != BRSKI_OK) {
            snprintf(why, cap, "RFC 9360 2: x5bag certificate %zu does not parse", i);
            return BRSKI_ERR_MALFORMED;
        }
        q->bag_count = i + 1;
    }
    q->certs = q->bag;
    q->cert_count = q->bag_count;
    for (size_t i = 0; i < q->bag_count && q->reg == NULL; i++) {
        if (brski_cose_sign1_verify(&m, q->bag[i].spki) == BRSKI_OK) {
            q->reg = &q->bag[i];
        }
    }
    if (q->reg == NULL) {
        snprintf(why, cap, "cBRSKI 8.1: no x5bag certificate verifies the registrar signature");
        return BRSKI_ERR_CRYPTO;
    }
    rv = brski_voucher_cbor_parse(m.payload, 0, &q->vr);
    if (rv == BRSKI_OK) {
        rv = brski_voucher_validate(&q->vr);
    }
    if (rv != BRSKI_OK || q->vr.kind != BRSKI_KIND_VOUCHER_REQUEST) {
        snprintf(why, cap, "rfc8366bis 9.3: not a valid CBOR ietf-voucher-request:voucher");
        return BRSKI_ERR_MALFORMED;
    }
    return BRSKI_OK;
}

/*
 * Verifies the registrar voucher-request |body| (COSE when |cose|, else
 * CMS with the embedded registrar certificate) and decodes it into |q|.
 */
static brski_err rvr_open(brski_slice body, bool cose, masa_rvr *q, char *why, size_t cap)
{
    q->cose = cose;
    if (cose) {
        return rvr_open_cose(body, q, why, cap);
    }
    brski_err rv = brski_cms_verify(body, &q->sd);
    if (rv != BRSKI_OK) {
        snprintf(why, cap, "RFC 8995 5.5: registrar voucher-request CMS not valid: %s",
                 brski_err_str(rv));
        return rv == BRSKI_ERR_CRYPTO ? BRSKI_ERR_CRYPTO : BRSKI_ERR_MALFORMED;
    }
    q->certs = q->sd.certs;
    q->cert_count = q->sd.cert_count;
    q->reg = brski_cms_signer(&q->sd);
    rv = brski_voucher_json_parse(brski_slice_make(q->sd.content, q->sd.content_len), 0, &q->vr);
    if (rv != BRSKI_OK || q->vr.kind != BRSKI_KIND_VOUCHER_REQUEST) {
        snprintf(why, cap, "RFC 8995 5.5: not a valid ietf-voucher-request:voucher");
        return BRSKI_ERR_MALFORMED;
    }
    return BRSKI_OK;
}

/*
 * Verifies the prior-signed-voucher-request of |q| into |p|. CMS: signed
 * by its embedded IDevID. COSE (cBRSKI 9.2.1): the whole COSE PVR, signed
 * by the pledge's IDevID which the registrar "MUST" add to the RVR x5bag;
 * the other bag certificates are candidate intermediates.
 * Returns an HTTP status (0: fine) with |why|.
 */
static int pvr_open(const masa_rvr *q, masa_pvr *p, char *why, size_t cap)
{
    brski_slice prior = brski_slice_make(q->vr.prior_signed_voucher_request.p,
                                         q->vr.prior_signed_voucher_request.len);
    brski_err rv;
    if (!q->cose) {
        rv = brski_cms_verify(prior, &p->sd);
        if (rv != BRSKI_OK) {
            snprintf(why, cap, "RFC 8995 5.5: prior-signed-voucher-request CMS not valid: %s",
                     brski_err_str(rv));
            return rv == BRSKI_ERR_CRYPTO ? 403 : 400;
        }
        p->idevid = brski_cms_signer(&p->sd);
        for (size_t i = 0; i < p->sd.cert_count && i < BRSKI_CMS_MAX_CERTS; i++) {
            if (i != p->sd.signer_index) {
                p->untrusted[p->untrusted_count++] = p->sd.certs[i];
            }
        }
        rv = brski_voucher_json_parse(brski_slice_make(p->sd.content, p->sd.content_len), 0,
                                      &p->vr);
    } else {
        brski_cose_sign1 m;
        rv = brski_cose_sign1_parse(prior, &m);
        if (rv != BRSKI_OK) {
            snprintf(why, cap, "cBRSKI 9.2.2: prior-signed-voucher-request is not a COSE_Sign1");
            return 400;
        }
        /* cBRSKI 9.2.2: any x5bag in the PVR is ignored; its signer is in the RVR bag. */
        for (size_t i = 0; i < q->bag_count && p->idevid == NULL; i++) {
            const brski_cert *c = &q->bag[i];
            if (c != q->reg && !c->is_ca && brski_cose_sign1_verify(&m, c->spki) == BRSKI_OK) {
                p->idevid = c;
            }
        }
        if (p->idevid == NULL) {
            snprintf(why, cap, "cBRSKI 9.2.1: no IDevID in the RVR x5bag verifies the "
                               "prior-signed-voucher-request");
            return 403;
        }
        for (size_t i = 0; i < q->bag_count; i++) {
            if (&q->bag[i] != p->idevid && &q->bag[i] != q->reg) {
                p->untrusted[p->untrusted_count++] = q->bag[i];
            }
        }
        rv = brski_voucher_cbor_parse(m.payload, 0, &p->vr);
        if (rv == BRSKI_OK) {
            rv = brski_voucher_validate(&p->vr);
        }
    }
    if (rv != BRSKI_OK || p->vr.kind != BRSKI_KIND_VOUCHER_REQUEST) {
        snprintf(why, cap,
                 "RFC 8995 5.2: prior-signed-voucher-request is not a valid voucher-request");
        return 400;
    }
    return 0;
}

/* The domain CA among |q|'s certificates: a CA certificate that signed the registrar's. */
static const brski_cert *find_domain_ca(const masa_rvr *q)
{
    for (size_t i = 0; i < q->cert_count; i++) {
        const brski_cert *c = &q->certs[i];
        if (c != q->reg && c->is_ca && brski_cert_verify_signed_by(q->reg, c) == BRSKI_OK) {
            return c;
        }
    }
    return NULL;
}

static const brski_cert *find_owner(const masa_ctx *m, const char *serial)
{
    for (size_t i = 0; i < m->owner_count; i++) {
        if (strcmp(m->owners[i].serial, serial) == 0) {
            return &m->owners[i].ca;
        }
    }
    return NULL;
}

/*
 * RFC 8995 5.8.2: domainID = base64 of the SKI of the pinned-domain-cert or,
 * without an SKI, of the SHA-256 over its SubjectPublicKeyInfo (RFC 7469 2.4).
 */
static brski_err domain_id(const brski_cert *ca, brski_buf *out)
{
    uint8_t h[32];
    brski_err rv = BRSKI_OK;
    if (ca->ski.len > 0) {
        rv = brski_base64_encode(ca->ski, out);
    } else {
        rv = brski_sha256(ca->spki, h);
        if (rv == BRSKI_OK) {
            rv = brski_base64_encode(brski_slice_make(h, sizeof(h)), out);
        }
    }
    if (rv == BRSKI_OK) {
        rv = brski_buf_cstr(out);
    }
    return rv;
}

/*
 * Signs the voucher for |serial| with the PVR's |nonce| text (NULL: none):
 * CMS-signed JSON, or with |cose| a COSE_Sign1 over CBOR whose unprotected
 * x5bag holds the complete signing chain (cBRSKI 9.2.3: the MASA "MUST" put
 * it there).
 */
static brski_err sign_voucher(masa_ctx *m, const char *nonce, const char *serial,
                              const brski_cert *pinned, bool cose, brski_buf *out)
{
    brski_voucher v;
    brski_slice chain[8];
    size_t nchain = 0;
    int64_t now = brski_env_now(NULL);
    brski_voucher_init(&v, BRSKI_KIND_VOUCHER);
    v.assertion = BRSKI_ASSERTION_PROXIMITY;
    brski_voucher_mark(&v, BRSKI_LEAF_ASSERTION);
    brski_err rv = brski_voucher_set_time(&v, BRSKI_LEAF_CREATED_ON, now);
    if (rv == BRSKI_OK) {
        rv = brski_voucher_set_time(&v, BRSKI_LEAF_EXPIRES_ON, now + m->lifetime);
    }
    if (rv == BRSKI_OK) {
        rv = brski_voucher_set_str(&v, BRSKI_LEAF_SERIAL_NUMBER, serial);
    }
    if (rv == BRSKI_OK && nonce != NULL) {
        rv = brski_voucher_set_str(&v, BRSKI_LEAF_NONCE, nonce);
    }
    if (rv == BRSKI_OK) {
        rv = brski_voucher_set_bytes(&v, BRSKI_LEAF_PINNED_DOMAIN_CERT, brski_cert_der(pinned));
    }
    for (size_t i = cose ? 0 : 1; i < m->signer_count && nchain < 8; i++) {
        chain[nchain++] = brski_cert_der(&m->signer_certs[i]);
    }
    if (rv == BRSKI_OK) {
        rv = brski_voucher_sign(&v, cose, m->key, brski_cert_der(&m->signer_certs[0]), chain,
                                nchain, NULL, out);
    }
    brski_voucher_clear(&v);
    return rv;
}

typedef struct nonce_seen {
    const char *nonce;
    bool seen;
} nonce_seen;

static brski_err find_nonce(void *ctx, const brski_store_voucher *v)
{
    nonce_seen *ns = ctx;
    if (v->nonce != NULL && strcmp(v->nonce, ns->nonce) == 0) {
        ns->seen = true;
    }
    return BRSKI_OK;
}

/*
 * RFC 8995 5.5.2: the PVR signer must chain to a manufacturer (idevid)
 * anchor, through certificates that came with the request or configured
 * intermediates.
 */
static brski_err check_idevid(const masa_ctx *m, const masa_pvr *p, char *why, size_t cap)
{
    brski_cert untrusted[BRSKI_CMS_MAX_CERTS + BRSKI_COSE_MAX_CERTS + 8];
    size_t n = 0;
    for (size_t i = 0; i < p->untrusted_count; i++) {
        untrusted[n++] = p->untrusted[i];
    }
    for (size_t i = 0; i < m->inter_count && i < 8; i++) {
        untrusted[n++] = m->inter[i];
    }
    brski_policy_input in;
    brski_policy_decision d;
    memset(&in, 0, sizeof(in));
    in.purpose = BRSKI_PURPOSE_IDEVID;
    in.chain = p->idevid;
    in.chain_count = 1;
    in.untrusted = n > 0 ? untrusted : NULL;
    in.untrusted_count = n;
    in.now = brski_env_now(NULL);
    brski_err rv = brski_policy_validate(&m->anchors, &in, &d);
    if (rv != BRSKI_OK) {
        snprintf(why, cap, "RFC 8995 5.5.2: IDevID not from this manufacturer: %s", d.detail);
    }
    return rv;
}

/* Equal nonces, or both absent (RFC 8995 5.5). JSON and CBOR nonces compare as bytes. */
static bool same_nonce(const brski_voucher *a, const brski_voucher *b)
{
    bool ha = brski_voucher_has(a, BRSKI_LEAF_NONCE), hb = brski_voucher_has(b, BRSKI_LEAF_NONCE);
    if (!ha || !hb) {
        return ha == hb;
    }
    return a->nonce.len == b->nonce.len &&
           (a->nonce.len == 0 || memcmp(a->nonce.p, b->nonce.p, a->nonce.len) == 0);
}

/*
 * The RFC 8995 5.5 checks of an opened RVR |q| and PVR |p|: IDevID chain, serial-number, idevid-issuer, nonce, proximity.
 * Fills |idserial|. Returns an HTTP status (0: fine) with |why|.
 */
static int check_request(const masa_ctx *m, const masa_rvr *q, const masa_pvr *p,
                         char *idserial, size_t scap, char *why, size_t cap)
{
    if (check_idevid(m, p, why, cap) != BRSKI_OK) {
        return 403;
    }
    if (brski_name_get(p->idevid->subject, BRSKI_OID_AT_SERIAL_NUMBER, idserial, scap, NULL) !=
        BRSKI_OK) {
        snprintf(why, cap, "RFC 8995 2.3.1: IDevID has no serialNumber");
        return 403;
    }
    if (strcmp(idserial, p->vr.serial_number) != 0 ||
        strcmp(idserial, q->vr.serial_number) != 0) {
        snprintf(why, cap, "RFC 8995 5.5: serial-number of RVR, PVR and IDevID differ");
        return 403;
    }
    if (brski_voucher_has(&q->vr, BRSKI_LEAF_IDEVID_ISSUER)) {
        uint8_t iss[BRSKI_VOUCHER_MAX_ISSUER];
        size_t ilen = 0;
        if (brski_app_idevid_issuer(p->idevid, iss, sizeof(iss), &ilen) != BRSKI_OK ||
            !brski_slice_eq(brski_slice_make(iss, ilen),
                            brski_slice_make(q->vr.idevid_issuer.p, q->vr.idevid_issuer.len))) {
            snprintf(why, cap, "RFC 8995 5.5: idevid-issuer does not match the IDevID");
            return 403;
        }
    }
    if (!same_nonce(&p->vr, &q->vr)) {
        snprintf(why, cap, "RFC 8995 5.5: nonce of RVR and PVR differ");
        return 403;
    }
    if (!brski_voucher_has(&p->vr, BRSKI_LEAF_ASSERTION) ||
        p->vr.assertion != BRSKI_ASSERTION_PROXIMITY) {
        snprintf(why, cap, "RFC 8995 5.5: PVR assertion is not proximity");
        return 403;
    }
    if (!brski_voucher_has(&p->vr, BRSKI_LEAF_PROXIMITY_REGISTRAR_CERT) ||
        !brski_slice_eq(brski_slice_make(p->vr.proximity_registrar_cert.p,
                                         p->vr.proximity_registrar_cert.len),
                        brski_cert_der(q->reg))) {
        snprintf(why, cap, "RFC 8995 5.5.5: proximity-registrar-cert is not the RVR signer");
        return 403;
    }
    return 0;
}

/* The certificate to pin (RFC 8995 5.5.4). Returns an HTTP status (0: fine) with |why|. */
static int pick_pinned(const masa_ctx *m, const masa_rvr *q, const char *idserial,
                       const brski_cert **pinned, char *why, size_t cap)
{
    if (!m->allow_list) {
        *pinned = find_domain_ca(q);
        if (*pinned == NULL) {
            snprintf(why, cap, "RFC 8995 5.5: no domain CA for the registrar in the RVR "
                               "certificates");
            return 400;
        }
        return 0;
    }
    *pinned = find_owner(m, idserial);
    if (*pinned == NULL) {
        snprintf(why, cap, "RFC 8995 5.5.4: pledge not owned by any configured domain");
        return 403;
    }
    if (brski_cert_verify_signed_by(q->reg, *pinned) != BRSKI_OK) {
        snprintf(why, cap, "RFC 8995 5.5.4: registrar is not in the pledge owner's domain");
        return 403;
    }
    return 0;
}

static brski_err h_requestvoucher(void *ctx, const brski_http_peer *peer,
                                  const brski_http_msg *req, brski_http_msg *resp)
{
    masa_ctx *m = ctx;
    masa_rvr q;
    masa_pvr p;
    brski_buf out, did, nonce;
    char why[512], actor[256], idserial[BRSKI_VOUCHER_MAX_SERIAL + 1];
    const char *action = "voucher.request";
    const brski_cert *pinned = NULL;
    memset(&q, 0, sizeof(q));
    memset(&p, 0, sizeof(p));
    brski_voucher_init(&q.vr, BRSKI_KIND_VOUCHER_REQUEST);
    brski_voucher_init(&p.vr, BRSKI_KIND_VOUCHER_REQUEST);
    brski_buf_init(&out, BRSKI_MAX_BODY);
    brski_buf_init(&did, 128);
    brski_buf_init(&nonce, 128);
    snprintf(actor, sizeof(actor), "peer:%s", peer->addr);

    bool cose_in = brski_http_ctype_is(req->ctype, MASA_CT_COSE);
    const char *ctype_out = pick_voucher_type(req->accept, cose_in);
    if (ctype_out == NULL) {
        refuse(m, resp, actor, action, 406,
               "RFC 8995 5.5: Accept names no voucher format this MASA produces "
               "(application/voucher-cms+json, application/voucher+cose)");
        goto done;
    }
    brski_err rv = rvr_open(brski_buf_slice(&req->body), cose_in, &q, why, sizeof(why));
    if (rv != BRSKI_OK) {
        refuse(m, resp, actor, action, status_of(rv), why);
        goto done;
    }
    char ra[200];
    brski_app_actor(q.reg, ra, sizeof(ra));
    snprintf(actor, sizeof(actor), "registrar %s", ra);
    /* RFC 8995 5.5.4: the RVR signer must carry id-kp-cmcRA (RFC 7030 3.6.1). */
    bool cmcra = false;
    for (size_t i = 0; i < q.reg->eku_count; i++) {
        cmcra = cmcra || strcmp(q.reg->eku[i], BRSKI_OID_KP_CMC_RA) == 0;
    }
    if (!cmcra) {
        refuse(m, resp, actor, action, 403,
               "RFC 8995 5.5.4: registrar certificate lacks id-kp-cmcRA");
        goto done;
    }
    if (!brski_voucher_has(&q.vr, BRSKI_LEAF_PRIOR_SIGNED_VOUCHER_REQUEST)) {
        refuse(m, resp, actor, action, 400, "RFC 8995 5.5: prior-signed-voucher-request missing");
        goto done;
    }
    int st = pvr_open(&q, &p, why, sizeof(why));
    if (st == 0) {
        st = check_request(m, &q, &p, idserial, sizeof(idserial), why, sizeof(why));
    }
    if (st == 0) {
        st = pick_pinned(m, &q, idserial, &pinned, why, sizeof(why));
    }
    if (st != 0) {
        refuse(m, resp, actor, action, st, why);
        goto done;
    }
    bool cose_out = strcmp(ctype_out, MASA_CT_COSE) == 0;
    rv = brski_voucher_has(&p.vr, BRSKI_LEAF_NONCE) ? brski_voucher_nonce_str(&p.vr, &nonce)
                                                     : BRSKI_OK;
    const char *nonce_text = nonce.len > 0 ? (const char *)nonce.p : NULL;
    if (rv == BRSKI_OK) {
        pthread_mutex_lock(&m->sign_mu);
        rv = sign_voucher(m, nonce_text, idserial, pinned, cose_out, &out);
        pthread_mutex_unlock(&m->sign_mu);
    }
    if (rv == BRSKI_OK) {
        rv = domain_id(pinned, &did);
    }
    if (rv != BRSKI_OK) {
        brski_app_audit(m->store, actor, action, false, "internal: signing failed");
        brski_http_msg_set_error(resp, 500, "voucher signing failed");
        goto done;
    }
    brski_store_voucher sv = {idserial, brski_env_now(NULL), (const char *)did.p, nonce_text,
                              "proximity", brski_buf_slice(&out)};
    snprintf(why, sizeof(why), "voucher issued for %s (%s)", idserial, cose_out ? "cose" : "cms");
    brski_err wrv = brski_store_begin(m->store);
    if (wrv == BRSKI_OK && nonce_text != NULL) {
        /* A nonce that already produced a voucher for this pledge is a replay. */
        nonce_seen ns = {nonce_text, false};
        if (brski_store_voucher_each(m->store, idserial, find_nonce, &ns) != BRSKI_OK ||
            ns.seen) {
            brski_err rb = brski_store_end(m->store, false);
            if (rb != BRSKI_OK) {
                brski_log(BRSKI_LOG_WARN, "masa: rollback: %s", brski_err_str(rb));
            }
            refuse(m, resp, actor, action, ns.seen ? 403 : 500,
                   ns.seen ? "RFC 8995 5.5.6: nonce already used for this pledge (replay)"
                           : "database error");
            goto done;
        }
    }
    if (wrv == BRSKI_OK) {
        brski_err a = brski_store_voucher_add(m->store, &sv);
        brski_err b = brski_store_audit_append(m->store, brski_env_now(NULL), actor,
                                               "voucher.issue", "ok", why, NULL);
        wrv = brski_store_end(m->store, a == BRSKI_OK && b == BRSKI_OK);
    }
    if (wrv != BRSKI_OK) {
        brski_http_msg_set_error(resp, 500, "cannot record the voucher");
        goto done;
    }
    rv = brski_http_msg_set_body(resp, 200, ctype_out, brski_buf_slice(&out));
    if (rv != BRSKI_OK) {
        brski_http_msg_set_error(resp, 500, "response too large");
    }
done:
    rvr_clear(&q);
    pvr_clear(&p);
    brski_buf_clear(&out);
    brski_buf_clear(&did);
    brski_buf_clear(&nonce);
    return BRSKI_OK;
}

typedef struct log_walk {
    brski_buf *out;
    size_t n;
    const char *domain_id; /* the requesting registrar's domain */
    bool domain_seen;
} log_walk;

static brski_err log_event(void *ctx, const brski_store_voucher *v)
{
    log_walk *w = ctx;
    char date[32];
    brski_err rv = brski_time_format(v->time, date, sizeof(date));
    if (rv == BRSKI_OK) {
        rv = brski_buf_printf(w->out, "%s{\"date\":\"%s\",\"domainID\":", w->n > 0 ? "," : "",
                              date);
    }
    if (rv == BRSKI_OK) {
        rv = brski_app_json_str(w->out, v->domain_id);
    }
    if (rv == BRSKI_OK) {
        rv = brski_buf_append_str(w->out, ",\"nonce\":");
    }
    if (rv == BRSKI_OK) {
        rv = v->nonce != NULL ? brski_app_json_str(w->out, v->nonce)
                              : brski_buf_append_str(w->out, "null");
    }
    if (rv == BRSKI_OK) {
        rv = brski_buf_append_str(w->out, ",\"assertion\":");
    }
    if (rv == BRSKI_OK) {
        rv = brski_app_json_str(w->out, v->assertion);
    }
    if (rv == BRSKI_OK) {
        rv = brski_buf_append_str(w->out, ",\"truncated\":0}");
    }
    w->n++;
    if (strcmp(v->domain_id, w->domain_id) == 0) {
        w->domain_seen = true;
    }
    return rv;
}

/* RFC 8995 5.8: the audit log of one pledge, asked by a registrar with an RVR. */
static brski_err h_requestauditlog(void *ctx, const brski_http_peer *peer,
                                   const brski_http_msg *req, brski_http_msg *resp)
{
    masa_ctx *m = ctx;
    masa_rvr q;
    brski_buf out;
    char why[512], actor[256];
    const char *action = "auditlog.request";
    memset(&q, 0, sizeof(q));
    brski_voucher_init(&q.vr, BRSKI_KIND_VOUCHER_REQUEST);
    brski_buf_init(&out, BRSKI_MAX_BODY);
    brski_buf did;
    brski_buf_init(&did, 128);
    snprintf(actor, sizeof(actor), "peer:%s", peer->addr);
    brski_err rv = rvr_open(brski_buf_slice(&req->body),
                            brski_http_ctype_is(req->ctype, MASA_CT_COSE), &q, why, sizeof(why));
    if (rv != BRSKI_OK) {
        refuse(m, resp, actor, action, status_of(rv), why);
        goto done;
    }
    brski_app_actor(q.reg, actor, sizeof(actor));
    const brski_cert *dca = find_domain_ca(&q);
    if (dca == NULL || domain_id(dca, &did) != BRSKI_OK) {
        refuse(m, resp, actor, action, 400,
               "RFC 8995 5.8: no domain CA for the registrar in the request certificates");
        goto done;
    }
    log_walk w = {&out, 0, (const char *)did.p, false};
    rv = brski_buf_append_str(&out, "{\"version\":1,\"events\":[");
    if (rv == BRSKI_OK) {
        rv = brski_store_voucher_each(m->store, q.vr.serial_number, log_event, &w);
    }
    if (rv == BRSKI_OK) {
        rv = brski_buf_append_str(&out, "]}");
    }
    if (rv != BRSKI_OK) {
        brski_http_msg_set_error(resp, rv == BRSKI_ERR_TOOBIG ? 500 : 500,
                                 "cannot read the audit log");
        goto done;
    }
    if (w.n == 0) {
        refuse(m, resp, actor, action, 404, "RFC 8995 5.8: no voucher issued for this serial");
        goto done;
    }
    if (!w.domain_seen) {
        refuse(m, resp, actor, action, 403,
               "RFC 8995 5.8: no voucher for this serial was issued to the requesting domain");
        goto done;
    }
    snprintf(why, sizeof(why), "audit log of %s (%zu events)", q.vr.serial_number, w.n);
    brski_app_audit(m->store, actor, action, true, why);
    if (brski_http_msg_set_body(resp, 200, "application/json", brski_buf_slice(&out)) !=
        BRSKI_OK) {
        brski_http_msg_set_error(resp, 500, "response too large");
    }
done:
    rvr_clear(&q);
    brski_buf_clear(&out);
    brski_buf_clear(&did);
    return BRSKI_OK;
}

static const brski_route masa_routes[] = {
    {"/.well-known/brski/requestvoucher", BRSKI_METHOD_POST, h_requestvoucher, BRSKI_MAX_BODY,
     voucher_types, false},
    {"/.well-known/brski/requestauditlog", BRSKI_METHOD_POST, h_requestauditlog, BRSKI_MAX_BODY,
     voucher_types, false},
};

/* Ownership file: one "SERIAL PATH-TO-DOMAIN-CA" per line, '#' comments. */
static int load_owners(masa_ctx *m, brski_config *cfg, const char *file)
{
    char path[1024], line[1200];
    if (brski_config_path(cfg, file, path, sizeof(path)) != BRSKI_OK) {
        return 2;
    }
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        fprintf(stderr, "brski-masa serve: cannot open ownership file %s\n", path);
        return 2;
    }
    m->owners = calloc(MASA_MAX_OWNERS, sizeof(*m->owners));
    int ret = m->owners == NULL ? 2 : 0;
    unsigned lineno = 0;
    while (ret == 0 && fgets(line, sizeof(line), f) != NULL) {
        char serial[BRSKI_VOUCHER_MAX_SERIAL + 1], cpath[1024], full[1024];
        lineno++;
        if (line[0] == '#' || strspn(line, " \t\r\n") == strlen(line)) {
            continue;
        }
        brski_buf der;
        brski_buf_init(&der, 0);
        if (sscanf(line, "%128s %1023s", serial, cpath) != 2 ||
            m->owner_count >= MASA_MAX_OWNERS ||
            brski_config_path(cfg, cpath, full, sizeof(full)) != BRSKI_OK ||
            brski_cli_read_cert_der(full, &der) != BRSKI_OK ||
            brski_cert_parse(brski_buf_slice(&der), &m->owners[m->owner_count].ca) != BRSKI_OK) {
            fprintf(stderr, "brski-masa serve: %s:%u: bad ownership entry\n", path, lineno);
            ret = 2;
        } else {
            snprintf(m->owners[m->owner_count].serial, sizeof(m->owners[0].serial), "%s", serial);
            m->owner_count++;
        }
        brski_buf_clear(&der);
    }
    fclose(f);
    return ret;
}

static void masa_free(masa_ctx *m)
{
    for (size_t i = 0; m->owners != NULL && i < m->owner_count; i++) {
        brski_cert_clear(&m->owners[i].ca);
    }
    free(m->owners);
    brski_certs_free(m->inter, m->inter_count);
    brski_certs_free(m->signer_certs, m->signer_count);
    brski_signer_free(m->key);
    brski_anchor_store_clear(&m->anchors);
    if (m->store != NULL) {
        brski_store_close(m->store);
    }
}

static brski_err load_certs_file(brski_config *cfg, const char *value, brski_cert **certs,
                                 size_t *count)
{
    char path[1024];
    brski_buf b;
    brski_buf_init(&b, 0);
    brski_err rv = brski_config_path(cfg, value, path, sizeof(path));
    if (rv == BRSKI_OK) {
        rv = brski_cli_read(path, BRSKI_MAX_FILE, &b);
    }
    if (rv == BRSKI_OK) {
        rv = brski_certs_load(brski_buf_slice(&b), 8, certs, count);
    }
    brski_buf_clear(&b);
    return rv;
}

int masa_cmd_serve(int argc, char **argv)
{
    brski_cli_opt o[] = {{"config", true, NULL}, {"port", true, NULL}};
    size_t no = sizeof(o) / sizeof(o[0]);
    int p = brski_cli_parse("serve", argc, argv, o, no);
    if (p != 0 || brski_cli_get(o, no, "config") == NULL) {
        fputs("usage: brski-masa serve --config F [--port N]\n"
              "Runs the MASA HTTPS server (RFC 8995 5.5-5.8) configured by [masa] in F;\n"
              "voucher-requests as application/voucher-cms+json or application/voucher+cose\n"
              "(cBRSKI), vouchers in the format Accept asks for. Keys:\n"
              "listen, tls_cert, tls_key, signer_cert, signer_key, signer_chain, db,\n"
              "voucher_lifetime (seconds, default 1209600), ownership (accept-any or\n"
              "allow-list), ownership_file (lines 'SERIAL DOMAIN-CA-FILE'), workers,\n"
              "idevid_intermediates (manufacturer intermediate CA certificates).\n"
              "Stops cleanly on SIGTERM.\n",
              p == 1 ? stdout : stderr);
        return p == 1 ? 0 : 2;
    }
    brski_log_set_sink(brski_log_stderr_sink, NULL, BRSKI_LOG_INFO);
    brski_config cfg;
    masa_ctx m;
    char msg[256], path[1024], path2[1024], host[64];
    uint16_t port = 0;
    int64_t lifetime = 0, workers = 2;
    brski_tls_ctx *tls = NULL;
    brski_server *srv = NULL;
    int ret = 2;
    memset(&m, 0, sizeof(m));
    pthread_mutex_init(&m.sign_mu, NULL);
    brski_anchor_store_init(&m.anchors);
    if (brski_config_load(brski_cli_get(o, no, "config"), &cfg, msg, sizeof(msg)) != BRSKI_OK) {
        fprintf(stderr, "brski-masa serve: %s\n", msg);
        pthread_mutex_destroy(&m.sign_mu);
        return 2;
    }
    const char *listen = brski_config_get_str(&cfg, "masa", "listen", "127.0.0.1:9443");
    const char *ownership = brski_config_get_str(&cfg, "masa", "ownership", "accept-any");
    const char *keys[] = {"tls_cert", "tls_key", "signer_cert", "signer_key", "db"};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        if (brski_config_get(&cfg, "masa", keys[i]) == NULL) {
            fprintf(stderr, "brski-masa serve: [masa] %s missing\n", keys[i]);
            goto done;
        }
    }
    if (brski_app_parse_hostport(listen, host, sizeof(host), &port) != BRSKI_OK) {
        fprintf(stderr, "brski-masa serve: bad listen address '%s'\n", listen);
        goto done;
    }
    if (brski_cli_get(o, no, "port") != NULL) {
        port = (uint16_t)atoi(brski_cli_get(o, no, "port"));
    }
    if (brski_config_get_int(&cfg, "masa", "voucher_lifetime", 14 * 86400, 60,
                             10LL * 365 * 86400, &lifetime, msg, sizeof(msg)) != BRSKI_OK ||
        brski_config_get_int(&cfg, "masa", "workers", 2, 1, 64, &workers, msg, sizeof(msg)) !=
            BRSKI_OK) {
        fprintf(stderr, "brski-masa serve: %s\n", msg);
        goto done;
    }
    m.lifetime = lifetime;
    if (strcmp(ownership, "allow-list") == 0) {
        m.allow_list = true;
        const char *of = brski_config_get(&cfg, "masa", "ownership_file");
        if (of == NULL || load_owners(&m, &cfg, of) != 0) {
            fprintf(stderr, "brski-masa serve: ownership = allow-list needs ownership_file\n");
            goto done;
        }
    } else if (strcmp(ownership, "accept-any") != 0) {
        fprintf(stderr, "brski-masa serve: ownership must be accept-any or allow-list\n");
        goto done;
    }
    if (brski_anchor_store_load_config(&m.anchors, &cfg, msg, sizeof(msg)) != BRSKI_OK) {
        fprintf(stderr, "brski-masa serve: anchors: %s\n", msg);
        goto done;
    }
    if (load_certs_file(&cfg, brski_config_get(&cfg, "masa", "signer_cert"), &m.signer_certs,
                        &m.signer_count) != BRSKI_OK ||
        m.signer_count == 0) {
        fprintf(stderr, "brski-masa serve: cannot read signer_cert\n");
        goto done;
    }
    const char *chain = brski_config_get(&cfg, "masa", "signer_chain");
    if (chain != NULL && m.signer_count == 1 &&
        load_certs_file(&cfg, chain, &m.signer_certs, &m.signer_count) != BRSKI_OK) {
        fprintf(stderr, "brski-masa serve: cannot read signer_chain\n");
        goto done;
    }
    const char *inter = brski_config_get(&cfg, "masa", "idevid_intermediates");
    if (inter != NULL && load_certs_file(&cfg, inter, &m.inter, &m.inter_count) != BRSKI_OK) {
        fprintf(stderr, "brski-masa serve: cannot read idevid_intermediates\n");
        goto done;
    }
    if (brski_config_path(&cfg, brski_config_get(&cfg, "masa", "signer_key"), path,
                          sizeof(path)) != BRSKI_OK ||
        brski_signer_load_file(path, &m.key) != BRSKI_OK) {
        fprintf(stderr, "brski-masa serve: cannot load signer_key (mode must be 0600)\n");
        goto done;
    }
    if (brski_config_path(&cfg, brski_config_get(&cfg, "masa", "db"), path, sizeof(path)) !=
            BRSKI_OK ||
        brski_store_open(path, &m.store) != BRSKI_OK) {
        fprintf(stderr, "brski-masa serve: cannot open database\n");
        goto done;
    }
    if (brski_config_path(&cfg, brski_config_get(&cfg, "masa", "tls_cert"), path,
                          sizeof(path)) != BRSKI_OK ||
        brski_config_path(&cfg, brski_config_get(&cfg, "masa", "tls_key"), path2,
                          sizeof(path2)) != BRSKI_OK ||
        brski_tls_server_new(path, path2, BRSKI_TLS_CLIENT_CERT_OPTIONAL, &tls) != BRSKI_OK) {
        fprintf(stderr, "brski-masa serve: cannot set up TLS from tls_cert/tls_key\n");
        goto done;
    }
    const brski_config_entry *unused = brski_config_first_unused(&cfg);
    if (unused != NULL) {
        fprintf(stderr, "brski-masa serve: %s:%u: unknown key '%s' in [%s]\n",
                cfg.path != NULL ? cfg.path : "config", unused->line, unused->key,
                unused->section);
        goto done;
    }
    brski_server_config sc;
    brski_server_config_default(&sc);
    sc.host = host;
    sc.port = port;
    sc.workers = (unsigned)workers;
    sc.tls = tls;
    sc.routes = masa_routes;
    sc.n_routes = sizeof(masa_routes) / sizeof(masa_routes[0]);
    sc.handler_ctx = &m;
    if (brski_server_new(&sc, &srv) != BRSKI_OK) {
        fprintf(stderr, "brski-masa serve: cannot listen on %s:%u\n", host, (unsigned)port);
        goto done;
    }
    brski_app_audit(m.store, "masa", "server.start", true, "");
    ret = brski_app_serve(srv, "brski-masa");
    brski_app_audit(m.store, "masa", "server.stop", true, "");
done:
    if (srv != NULL) {
        brski_server_free(srv);
    }
    brski_tls_ctx_free(tls);
    masa_free(&m);
    brski_config_clear(&cfg);
    pthread_mutex_destroy(&m.sign_mu);
    brski_tls_thread_cleanup();
    return ret;
}

int masa_cmd_audit_verify(int argc, char **argv)
{
    return brski_app_audit_verify_cmd("brski-masa", "masa", argc, argv);
}
