/*
 * codec.h - base64 (RFC 4648 sections 4 and 5), hex and PEM (RFC 7468) helpers.
 */
#ifndef BRSKI_CODEC_H
#define BRSKI_CODEC_H

#include <stdbool.h>

#include "brski/buf.h"

/* Appends the standard base64 (with padding) of |in| to |out|. */
BRSKI_MUST_USE brski_err brski_base64_encode(brski_slice in, brski_buf *out);

/* Appends base64url without padding of |in| to |out|. */
BRSKI_MUST_USE brski_err brski_base64url_encode(brski_slice in, brski_buf *out);

/*
 * Decodes strict standard base64 (padding required, no whitespace) into |out|.
 * BRSKI_ERR_MALFORMED on any bad character, bad padding or non-zero pad bits.
 */
BRSKI_MUST_USE brski_err brski_base64_decode(brski_slice in, brski_buf *out);

/*
 * Lenient decode used for transport bodies (RFC 8951): skips ASCII
 * whitespace (space, CR, LF, tab), accepts both alphabets and missing padding.
 */
BRSKI_MUST_USE brski_err brski_base64_decode_loose(brski_slice in, brski_buf *out);

/* Appends lower-case hex of |in| to |out|. */
BRSKI_MUST_USE brski_err brski_hex_encode(brski_slice in, brski_buf *out);

/* Decodes hex (either case, ASCII whitespace skipped) into |out|. */
BRSKI_MUST_USE brski_err brski_hex_decode(brski_slice in, brski_buf *out);

/*
 * Finds the |index|-th (0-based) PEM block with |label| (e.g. "CERTIFICATE";
 * NULL matches any label) in |in| and appends its DER to |out|. When
 * |label_out| is non-NULL it receives the block's label (cap |label_cap|).
 * BRSKI_ERR_NOTFOUND when there are fewer blocks, _MALFORMED on bad base64.
 */
BRSKI_MUST_USE brski_err brski_pem_decode(brski_slice in, const char *label, size_t index,
                                          brski_buf *out, char *label_out, size_t label_cap);

/* Appends a PEM block (64-column base64) of |der| with |label| to |out|. */
BRSKI_MUST_USE brski_err brski_pem_encode(brski_slice der, const char *label, brski_buf *out);

/* True when |in| looks like PEM (contains "-----BEGIN "). */
bool brski_is_pem(brski_slice in);

#endif
