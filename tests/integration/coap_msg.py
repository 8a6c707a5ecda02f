"""Minimal CoAP message encoder for the integration tests (RFC 7252 3).

Imported by the Python snippets of the shell tests (PYTHONPATH="$LIB_DIR",
see lib.sh); not a test itself.
"""


def ext(v):
    """Option delta/length nibble and its extended bytes (RFC 7252 3.1)."""
    if v < 13:
        return v, b""
    if v < 269:
        return 13, bytes([v - 13])
    return 14, (v - 269).to_bytes(2, "big")


def msg(t, code, mid, tok, opts, payload=b""):
    """One CoAP message: type t (0 CON .. 3 RST), code byte, Message ID,
    token, [(option number, value bytes)...] (sorted here), payload."""
    out = bytes([0x40 | (t << 4) | len(tok), code]) + mid.to_bytes(2, "big") + tok
    prev = 0
    for num, val in sorted(opts, key=lambda o: o[0]):
        d, de = ext(num - prev)
        ln, le = ext(len(val))
        out += bytes([(d << 4) | ln]) + de + le + val
        prev = num
    if payload:
        out += b"\xff" + payload
    return out


def path(p):
    """Uri-Path options (11) for a path such as ".well-known/est/crts"."""
    return [(11, s.encode()) for s in p.strip("/").split("/")]
