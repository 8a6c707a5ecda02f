/*
 * der.h - strict DER reader and a small DER writer (X.690).
 *
 * Reader: definite lengths only, minimal length encoding, lengths bounded by
 * the input, tag numbers up to 30 in the low-tag form (all that X.509, CMS and
 * PKCS#10 need) plus high-tag form rejected. Every function consumes from a
 * brski_slice and never reads past it.
 *
 * Writer: appends to a brski_buf; constructed values are opened with
 * brski_der_begin() and closed with brski_der_end(), which inserts the
 * length in front of the content.
 */
#ifndef BRSKI_DER_H
#define BRSKI_DER_H

#include <stdbool.h>
#include <stdint.h>

#include "brski/buf.h"

/* Universal tags and common class bits. */
#define BRSKI_DER_BOOLEAN 0x01u
#define BRSKI_DER_INTEGER 0x02u
#define BRSKI_DER_BIT_STRING 0x03u
#define BRSKI_DER_OCTET_STRING 0x04u
#define BRSKI_DER_NULL 0x05u
#define BRSKI_DER_OID 0x06u
#define BRSKI_DER_ENUMERATED 0x0au
#define BRSKI_DER_UTF8_STRING 0x0cu
#define BRSKI_DER_PRINTABLE_STRING 0x13u
#define BRSKI_DER_T61_STRING 0x14u
#define BRSKI_DER_IA5_STRING 0x16u
#define BRSKI_DER_UTC_TIME 0x17u
#define BRSKI_DER_GENERALIZED_TIME 0x18u
#define BRSKI_DER_BMP_STRING 0x1eu
#define BRSKI_DER_SEQUENCE 0x30u
#define BRSKI_DER_SET 0x31u
#define BRSKI_DER_CONTEXT(n) (0x80u | (n))       /* [n] IMPLICIT primitive */
#define BRSKI_DER_CONTEXT_CONS(n) (0xa0u | (n))  /* [n] constructed / EXPLICIT */

/* Longest OID we print or accept in text form. */
#define BRSKI_OID_STR_MAX 96

/*
 * Reads one TLV from |in|. |tag| gets the identifier octet, |content| the
 * value, |whole| (may be NULL) the full encoding. Advances |in|.
 * BRSKI_ERR_MALFORMED on indefinite or non-minimal lengths, high tag numbers,
 * or a length beyond the input.
 */
BRSKI_MUST_USE brski_err brski_der_read(brski_slice *in, uint8_t *tag, brski_slice *content,
                                        brski_slice *whole);

/* Reads one TLV that must carry |tag|; BRSKI_ERR_MALFORMED otherwise. */
BRSKI_MUST_USE brski_err brski_der_expect(brski_slice *in, uint8_t tag, brski_slice *content,
                                          brski_slice *whole);

/* True when the next TLV in |in| has |tag| (|in| unchanged). */
bool brski_der_peek(brski_slice in, uint8_t tag);

/* Non-negative INTEGER content (minimal encoding) into a uint64. */
BRSKI_MUST_USE brski_err brski_der_int_u64(brski_slice content, uint64_t *out);

/* Checks that INTEGER content is minimally encoded (X.690 8.3.2). */
bool brski_der_int_is_minimal(brski_slice content);

/* BOOLEAN content (DER: 0x00 or 0xff only). */
BRSKI_MUST_USE brski_err brski_der_bool(brski_slice content, bool *out);

/* BIT STRING content into its bits (unused-bit count must be 0 unless |allow_unused|). */
BRSKI_MUST_USE brski_err brski_der_bitstring(brski_slice content, bool allow_unused,
                                             brski_slice *bits, unsigned *unused);

/* OID content to dotted text ("1.2.840.10045.4.3.2"). */
BRSKI_MUST_USE brski_err brski_der_oid_to_str(brski_slice content, char *out, size_t cap);

/* Dotted text OID to content bytes (no tag/length) appended to |out|. */
BRSKI_MUST_USE brski_err brski_der_oid_from_str(const char *dotted, brski_buf *out);

/* True when OID |content| equals the dotted |oid|. */
bool brski_der_oid_eq(brski_slice content, const char *oid);

/*
 * UTCTime / GeneralizedTime content (by |tag|) to Unix seconds, per RFC 5280
 * 4.1.2.5: "YYMMDDHHMMSSZ" / "YYYYMMDDHHMMSSZ", seconds present, Z only, no
 * fractions. UTCTime years 50-99 are 19xx.
 */
BRSKI_MUST_USE brski_err brski_der_time(uint8_t tag, brski_slice content, int64_t *out);

/* ---- writer ---- */

/* Appends tag, length and |content|. */
BRSKI_MUST_USE brski_err brski_der_put(brski_buf *b, uint8_t tag, brski_slice content);

/* Opens a constructed value; |mark| remembers where its content starts. */
BRSKI_MUST_USE brski_err brski_der_begin(brski_buf *b, uint8_t tag, size_t *mark);

/* Closes the value opened at |mark| by inserting its length. */
BRSKI_MUST_USE brski_err brski_der_end(brski_buf *b, size_t mark);

/* INTEGER from an unsigned value. */
BRSKI_MUST_USE brski_err brski_der_put_u64(brski_buf *b, uint64_t v);

/* INTEGER from big-endian unsigned magnitude bytes (leading zeros trimmed, 0x00 added if needed). */
BRSKI_MUST_USE brski_err brski_der_put_uint_bytes(brski_buf *b, brski_slice be);

/* OID from dotted text. */
BRSKI_MUST_USE brski_err brski_der_put_oid(brski_buf *b, const char *dotted);

/* BOOLEAN. */
BRSKI_MUST_USE brski_err brski_der_put_bool(brski_buf *b, bool v);

/* Time per RFC 5280: UTCTime before 2050, GeneralizedTime from 2050 on. */
BRSKI_MUST_USE brski_err brski_der_put_time(brski_buf *b, int64_t t);

/* String with the given string |tag| (PrintableString, UTF8String, IA5String). */
BRSKI_MUST_USE brski_err brski_der_put_string(brski_buf *b, uint8_t tag, const char *s);

/* BIT STRING with 0 unused bits over |bits|. */
BRSKI_MUST_USE brski_err brski_der_put_bitstring(brski_buf *b, brski_slice bits);

#endif
