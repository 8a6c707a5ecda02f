/*
 * x509.h - X.509 certificates, names, public keys and PKCS#10 requests.
 *
 * Parsing uses our strict DER reader (der.h) so that every field the policy
 * module needs is visible; signature checks and key handling use wolfCrypt.
 * Building a certificate encodes the TBSCertificate ourselves (wolfSSL's
 * generator cannot add the MASA URL extension or the cmcRA EKU) and signs it
 * through a brski_signer.
 */
#ifndef BRSKI_X509_H
#define BRSKI_X509_H

#include <stdbool.h>
#include <stdint.h>

#include "brski/buf.h"
#include "brski/env.h"

/* OIDs used across modules. */
#define BRSKI_OID_MASA_URL "1.3.6.1.5.5.7.1.32"
#define BRSKI_OID_KP_SERVER_AUTH "1.3.6.1.5.5.7.3.1"
#define BRSKI_OID_KP_CLIENT_AUTH "1.3.6.1.5.5.7.3.2"
#define BRSKI_OID_KP_CMC_RA "1.3.6.1.5.5.7.3.28"
#define BRSKI_OID_AT_CN "2.5.4.3"
#define BRSKI_OID_AT_SERIAL_NUMBER "2.5.4.5"
#define BRSKI_OID_AT_O "2.5.4.10"
#define BRSKI_OID_AT_OU "2.5.4.11"
#define BRSKI_OID_AT_C "2.5.4.6"
#define BRSKI_OID_EC_PUBKEY "1.2.840.10045.2.1"
#define BRSKI_OID_RSA_ENCRYPTION "1.2.840.113549.1.1.1"
#define BRSKI_OID_ED25519 "1.3.101.112"
#define BRSKI_OID_ED448 "1.3.101.113"

typedef enum brski_key_type {
    BRSKI_KEY_NONE = 0,
    BRSKI_KEY_EC,      /* key_bits: 192, 224, 256, 384, 521 */
    BRSKI_KEY_ED25519, /* key_bits: 256 */
    BRSKI_KEY_ED448,   /* key_bits: 456 (parsed, not supported for signing) */
    BRSKI_KEY_RSA,     /* key_bits: modulus size */
    BRSKI_KEY_OTHER,
} brski_key_type;

typedef enum brski_sig_alg {
    BRSKI_SIG_UNKNOWN = 0,
    BRSKI_SIG_ECDSA_SHA256,
    BRSKI_SIG_ECDSA_SHA384,
    BRSKI_SIG_ECDSA_SHA512,
    BRSKI_SIG_ED25519,
    BRSKI_SIG_RSA_SHA256, /* PKCS#1 v1.5 */
    BRSKI_SIG_RSA_SHA384,
    BRSKI_SIG_RSA_SHA512,
    BRSKI_SIG_RSA_SHA1,   /* parsed so policy can name it; never accepted by default */
    BRSKI_SIG_ECDSA_SHA1,
    BRSKI_SIG_ED448,
    BRSKI_SIG__COUNT
} brski_sig_alg;

/* How a signature is encoded on the wire. */
typedef enum brski_sig_format {
    BRSKI_SIG_FMT_DER = 0, /* X.509/CMS: ECDSA-Sig-Value SEQUENCE{r,s}; EdDSA/RSA raw */
    BRSKI_SIG_FMT_RAW,     /* COSE/JWS: ECDSA r||s fixed width; EdDSA/RSA raw */
} brski_sig_format;

/* Key usage bits (RFC 5280 4.2.1.3), as a bit mask. */
#define BRSKI_KU_DIGITAL_SIGNATURE 0x0001u
#define BRSKI_KU_NON_REPUDIATION 0x0002u
#define BRSKI_KU_KEY_ENCIPHERMENT 0x0004u
#define BRSKI_KU_DATA_ENCIPHERMENT 0x0008u
#define BRSKI_KU_KEY_AGREEMENT 0x0010u
#define BRSKI_KU_KEY_CERT_SIGN 0x0020u
#define BRSKI_KU_CRL_SIGN 0x0040u
#define BRSKI_KU_ENCIPHER_ONLY 0x0080u
#define BRSKI_KU_DECIPHER_ONLY 0x0100u

#define BRSKI_X509_MAX_EKU 8
#define BRSKI_X509_MAX_POLICIES 8
#define BRSKI_X509_MAX_SAN 8
#define BRSKI_X509_MAX_MASA_URL 255

typedef struct brski_cert {
    uint8_t *der;            /* owned copy of the whole certificate */
    size_t der_len;
    brski_slice tbs;         /* the TBSCertificate encoding (signed bytes) */
    brski_slice sig_alg_id;  /* outer AlgorithmIdentifier, whole TLV */
    brski_slice signature;   /* BIT STRING bits */
    int version;             /* 1, 2 or 3 */
    brski_slice serial;      /* INTEGER content */
    brski_slice issuer;      /* Name, whole TLV */
    brski_slice subject;     /* Name, whole TLV */
    brski_slice spki;        /* SubjectPublicKeyInfo, whole TLV */
    brski_slice pubkey;      /* subjectPublicKey BIT STRING bits */
    int64_t not_before, not_after;
    brski_sig_alg sig_alg;   /* from the outer AlgorithmIdentifier */
    bool sig_alg_match;      /* outer and TBS AlgorithmIdentifiers are byte-equal */
    brski_key_type key_type;
    unsigned key_bits;

    /* Extensions (v3). */
    bool has_basic_constraints, is_ca, basic_constraints_critical;
    int path_len;            /* -1 when absent */
    bool has_key_usage;
    uint16_t key_usage;      /* BRSKI_KU_* mask */
    bool has_eku;
    size_t eku_count;
    char eku[BRSKI_X509_MAX_EKU][48];
    brski_slice ski, aki_key_id; /* OCTET STRING contents, empty when absent */
    bool has_masa_url, masa_url_critical;
    char masa_url[BRSKI_X509_MAX_MASA_URL + 1];
    size_t policy_count;
    char policies[BRSKI_X509_MAX_POLICIES][48];
    size_t san_dns_count;
    char san_dns[BRSKI_X509_MAX_SAN][254];
    bool has_name_constraints;
    /* First critical extension we do not understand (empty when none). */
    char unknown_critical[48];
    /* subjectAltName iPAddress entries (4 or 16 bytes each). */
    size_t san_ip_count;
    uint8_t san_ip[BRSKI_X509_MAX_SAN][16];
    size_t san_ip_len[BRSKI_X509_MAX_SAN];
    /*
     * More than BRSKI_X509_MAX_SAN dNSName or iPAddress entries: only the
     * first ones are kept (name matching then fails closed on the rest).
     */
    bool san_truncated;
} brski_cert;

/*
 * Parses one DER certificate (no trailing bytes). |out| owns a copy of |der|.
 * BRSKI_ERR_MALFORMED with a log line naming the field, _TOOBIG over
 * BRSKI_MAX_CERT, _UNSUPPORTED for extension contents we cannot represent
 * (e.g. more than BRSKI_X509_MAX_EKU EKUs).
 */
BRSKI_MUST_USE brski_err brski_cert_parse(brski_slice der, brski_cert *out);

/* Frees what brski_cert_parse allocated; safe on a zeroed struct. */
void brski_cert_clear(brski_cert *c);

/* Heap variants. */
BRSKI_MUST_USE brski_err brski_cert_new(brski_slice der, brski_cert **out);
void brski_cert_free(brski_cert *c);

/* Whole DER of |c|. */
brski_slice brski_cert_der(const brski_cert *c);

/*
 * Reads the first attribute |oid| of the Name |name| (whole TLV) as text
 * into |out|. |tag_out| (may be NULL) gets the string tag.
 * BRSKI_ERR_NOTFOUND when absent, _MALFORMED on a bad encoding.
 */
BRSKI_MUST_USE brski_err brski_name_get(brski_slice name, const char *oid, char *out, size_t cap,
                                        uint8_t *tag_out);

/* One-line RFC 4514-like rendering ("CN=x, serialNumber=y") of a Name, escaped. */
BRSKI_MUST_USE brski_err brski_name_to_str(brski_slice name, char *out, size_t cap);

/* SHA-256 over |data| into |out| (32 bytes). */
BRSKI_MUST_USE brski_err brski_sha256(brski_slice data, uint8_t out[32]);

/*
 * Verifies |sig| over |msg| with the public key in |spki| (whole TLV) using
 * |alg|. BRSKI_ERR_CRYPTO when the signature is wrong or does not suit the
 * key (e.g. ECDSA-SHA384 with an Ed25519 key), _UNSUPPORTED for unknown algs.
 * For Ed25519 a non-canonical S (S >= L) is rejected before wolfCrypt sees it.
 */
BRSKI_MUST_USE brski_err brski_pubkey_verify(brski_slice spki, brski_sig_alg alg,
                                             brski_sig_format fmt, brski_slice msg,
                                             brski_slice sig);

/*
 * Hashes |msg| with the digest |alg| uses (SHA-1/256/384/512) into |out|
 * (room for 64 bytes); |out_len| gets the digest size. BRSKI_ERR_UNSUPPORTED
 * for EdDSA and unknown algorithms.
 */
BRSKI_MUST_USE brski_err brski_sig_hash(brski_sig_alg alg, brski_slice msg, uint8_t *out,
                                        size_t *out_len);

/*
 * Appends the RFC 8017 9.2 DigestInfo (hash OID with NULL parameters, then
 * the digest) of |msg| for the RSA algorithm |alg| to |out|.
 */
BRSKI_MUST_USE brski_err brski_rsa_digest_info(brski_sig_alg alg, brski_slice msg,
                                               brski_buf *out);

/* Key type and size from an SPKI (whole TLV). */
BRSKI_MUST_USE brski_err brski_spki_info(brski_slice spki, brski_key_type *type, unsigned *bits);

/* Verifies |child|'s signature with |issuer|'s public key (no other checks). */
BRSKI_MUST_USE brski_err brski_cert_verify_signed_by(const brski_cert *child,
                                                     const brski_cert *issuer);

/*
 * Loads every certificate from PEM (all CERTIFICATE blocks) or a single DER
 * certificate in |data| into |out| (array grown with realloc, |count|
 * updated). At most |max| certificates.
 */
BRSKI_MUST_USE brski_err brski_certs_load(brski_slice data, size_t max, brski_cert **out,
                                          size_t *count);

/* Frees an array from brski_certs_load. */
void brski_certs_free(brski_cert *certs, size_t count);

/* Name of |alg| ("ecdsa-with-SHA256"). */
const char *brski_sig_alg_name(brski_sig_alg alg);

/*
 * The AlgorithmIdentifier OID of |alg| ("1.2.840.10045.4.3.2"), NULL when
 * unknown; |*null_params| is true when its parameters are NULL (RSA,
 * RFC 4055 2.1), false when absent.
 */
const char *brski_sig_alg_oid(brski_sig_alg alg, bool *null_params);

/* Name of |type| ("ec", "ed25519", "rsa"). */
const char *brski_key_type_name(brski_key_type type);

/* ---- building ---- */

typedef struct brski_signer brski_signer;

/* One attribute of a distinguished name to build. */
typedef struct brski_name_attr {
    const char *oid;   /* BRSKI_OID_AT_* */
    uint8_t tag;       /* BRSKI_DER_PRINTABLE_STRING or BRSKI_DER_UTF8_STRING */
    const char *value;
} brski_name_attr;

/* Encodes a Name (one attribute per RDN, in order) into |out|. */
BRSKI_MUST_USE brski_err brski_name_build(const brski_name_attr *attrs, size_t n, brski_buf *out);

/* A raw extension added verbatim (used for tests of odd encodings). */
typedef struct brski_ext_raw {
    const char *oid;
    bool critical;
    brski_slice value; /* extnValue contents (the DER inside the OCTET STRING) */
} brski_ext_raw;

typedef struct brski_cert_template {
    brski_slice serial;        /* big-endian magnitude; empty: 16 random bytes from env */
    brski_slice subject;       /* Name TLV (brski_name_build) */
    brski_slice issuer;        /* Name TLV; empty: self-signed (issuer = subject) */
    brski_slice spki;          /* subject's SubjectPublicKeyInfo TLV */
    brski_slice issuer_ski;    /* for the AKI; empty: AKI omitted (or own SKI if self-signed) */
    int64_t not_before, not_after; /* not_after may be 253402300799 (99991231235959Z) */
    bool ca;                   /* basicConstraints cA (critical) */
    int path_len;              /* -1: no pathLenConstraint */
    bool no_basic_constraints; /* omit basicConstraints entirely */
    uint16_t key_usage;        /* 0: omit */
    const char *const *eku;    /* NULL-terminated dotted OIDs; NULL: omit */
    const char *masa_url;      /* NULL: omit; IA5String, non-critical */
    const char *const *san_dns;/* NULL-terminated; NULL: omit */
    const char *const *san_ip; /* NULL-terminated IPv4/IPv6 text; NULL: omit */
    const char *const *policies; /* NULL-terminated policy OIDs; NULL: omit */
    const brski_ext_raw *extra; /* additional raw extensions */
    size_t extra_count;
} brski_cert_template;

/*
 * Builds and signs a certificate from |t| with |issuer_key| (its default
 * algorithm: ECDSA with the curve's hash, Ed25519, RSA-SHA256), appending
 * the DER to |out|. SKI is SHA-1-free: the first 20 bytes of SHA-256 over
 * the subjectPublicKey bits.
 */
BRSKI_MUST_USE brski_err brski_cert_build(const brski_cert_template *t, brski_signer *issuer_key,
                                          const brski_env *env, brski_buf *out);

/* ---- PKCS#10 ---- */

typedef struct brski_csr {
    uint8_t *der;
    size_t der_len;
    brski_slice info;      /* CertificationRequestInfo TLV (signed bytes) */
    brski_slice subject;   /* Name TLV */
    brski_slice spki;      /* SPKI TLV */
    brski_slice attributes;/* [0] contents */
    brski_sig_alg sig_alg;
    brski_slice signature;
    brski_key_type key_type;
    unsigned key_bits;
} brski_csr;

/* Parses a DER PKCS#10 request and checks its self-signature (BRSKI_ERR_CRYPTO). */
BRSKI_MUST_USE brski_err brski_csr_parse(brski_slice der, brski_csr *out);
void brski_csr_clear(brski_csr *c);

/*
 * Builds a PKCS#10 request for |subject| (Name TLV) signed by |key| with its
 * default algorithm (empty attributes), appending the DER to |out|. Uses the
 * default environment's RNG for the signature.
 */
BRSKI_MUST_USE brski_err brski_csr_build(brski_slice subject, brski_signer *key, brski_buf *out);

#endif
