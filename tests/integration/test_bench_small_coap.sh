#!/usr/bin/env bash
# T-CONC (small, CoAP): brski-bench with 2 concurrent pledges and 4
# enrollments over CoAPS (DTLS 1.2). Asserts on correctness only, never on
# speed: no failed enrollment, no duplicate LDevID serial number, every
# LDevID in the registrar's store, both servers alive, the crypto-limit
# fields present and positive, the pledge-registrar DTLS handshakes counted
# on both sides with the operations a full ECDHE_ECDSA handshake implies, and
# COSE/CBOR message sizes measured.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

bench_run --transport coap --pledges 2 --enrollments 4 --probe-ms 20
PYTHONPATH="$LIB_DIR" "$PY" - "$BENCH_JSON" <<'PY' || fail "bench result: $BENCH_JSON"
import bench_check
r = bench_check.result()
# COSE/CBOR message sizes measured in the run.
bad = bench_check.common(
    r,
    want={"transport": "coap", "failed": 0, "duplicate_serials": 0, "succeeded": 4,
          "ldevids_issued": 4, "store_rows": 4, "pledge_runs_counted": 4, "not_in_store": 0,
          "servers_alive": True, "failures_by_reason": {}, "dtls_counted": True,
          "untimed_ops": []},
    sizes={k: 200 for k in ("pvr", "rvr", "voucher", "csr", "cert")})
if r.get("message_bytes", {}).get("format") != "cose-cbor":
    bad.append(f"message_bytes.format={r.get('message_bytes', {}).get('format')!r}")
for role in ("pledge", "registrar", "masa"):
    v = r.get("cpu_ms_per_enrollment", {}).get(role)
    if not isinstance(v, (int, float)) or v < 0:
        bad.append(f"cpu_ms_per_enrollment.{role}={v!r}")
# DTLS handshakes, counted where libcoap reports the session connected: the
# pledge makes two sessions per enrollment (provisional, then pinned), the
# registrar accepts the same ones.
dh = r.get("dtls_handshakes_per_enrollment", {})
for role in ("pledge", "registrar"):
    h = dh.get(role, {})
    if not h.get("full", 0) + h.get("resumed", 0) >= 2:
        bad.append(f"dtls_handshakes_per_enrollment.{role}={h!r}: want >= 2")
# Per full DTLS 1.2 ECDHE_ECDSA handshake each side makes 1 ephemeral keygen,
# 1 ECDH, 1 signature and at least 1 verification.
by_role = r.get("ops_per_enrollment_by_role", {})
for role in ("pledge", "registrar"):
    ops = by_role.get(role, {})
    full = dh.get(role, {}).get("full", 0)
    def total(op):
        return sum(v for k, v in ops.items() if k.startswith(f"dtls.{op}."))
    for op in ("keygen", "ecdh", "sign"):
        if abs(total(op) - full) > 0.01:
            bad.append(f"{role}: dtls.{op}={total(op)} per enrollment, want {full} (one per full handshake)")
    if total("verify") < full:
        bad.append(f"{role}: dtls.verify={total('verify')} < {full}")
    if not any(k.startswith("own.sign.") for k in ops):
        bad.append(f"{role}: no own signature counted: {ops!r}")
bench_check.done(bad)
PY
echo "PASS"
