#!/usr/bin/env bash
# T-CONC (small): brski-bench with 4 concurrent pledges and 12 enrollments
# over HTTPS, then 3 idle connections and one more enrollment. Asserts on
# correctness only, never on speed: no failed enrollment, no duplicate LDevID
# serial number, every LDevID a pledge wrote is in the registrar's store, both
# servers still alive, and the crypto-limit fields present, positive and
# built from counted operations and measured message sizes.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# Usage errors exit 2.
rc=0; "$BENCH" --pledges 0 2>/dev/null || rc=$?
[ "$rc" = 2 ] || fail "--pledges 0: exit $rc, want 2"
rc=0; "$BENCH" --transport coaps 2>/dev/null || rc=$?
[ "$rc" = 2 ] || fail "--transport coaps: exit $rc, want 2"
rc=0; "$BENCH" --idle x 2>/dev/null || rc=$?
[ "$rc" = 2 ] || fail "--idle x: exit $rc, want 2"

bench_run --transport https --pledges 4 --enrollments 12 --idle 3 --probe-ms 20
PYTHONPATH="$LIB_DIR" "$PY" - "$BENCH_JSON" <<'PY' || fail "bench result: $BENCH_JSON"
import bench_check
r = bench_check.result()
# Message sizes measured from the run: a CMS-signed voucher(-request) with a
# certificate is larger than 500 bytes, a CSR and a certificate than 200.
bad = bench_check.common(
    r,
    want={"failed": 0, "duplicate_serials": 0, "succeeded": 12, "ldevids_issued": 13,
          "store_rows": 13, "pledge_runs_counted": 12, "not_in_store": 0,
          "servers_alive": True, "failures_by_reason": {}},
    sizes={"pvr": 500, "rvr": 500, "voucher": 500, "csr": 200, "cert": 200})
# The crypto limit (checked positive above) built from real counts.
ops = r.get("ops_per_enrollment", {})
# Per enrollment at least: the pledge signs the PVR and the CSR, the
# registrar the RVR and the LDevID, the MASA the voucher (5 signatures), and
# the two handshakes pledge->registrar (provisional and pinned) each imply a
# key agreement on both sides. The registrar keeps its MASA connections
# alive, so the MASA sees at least one handshake in the run, not one per
# enrollment.
if not ops.get("sign", 0) >= 5 or not ops.get("verify", 0) >= 5 or not ops.get("ecdh", 0) >= 4:
    bad.append(f"ops_per_enrollment={ops!r} below what one enrollment needs")
if r.get("untimed_ops"):
    bad.append(f"untimed_ops={r['untimed_ops']!r}")
hs = r.get("tls_handshakes_per_enrollment", {})
if not hs.get("masa", {}).get("full", 0) + hs.get("masa", {}).get("resumed", 0) > 0:
    bad.append(f"tls_handshakes_per_enrollment={hs!r}: no MASA handshake counted")
if not hs.get("pledge", {}).get("full", 0) + hs.get("pledge", {}).get("resumed", 0) >= 2:
    bad.append(f"tls_handshakes_per_enrollment={hs!r}: pledge makes two TLS sessions")
if not r.get("pledge_rss_hwm_kb", {}).get("max", 0) > 0:
    bad.append("pledge_rss_hwm_kb.max missing")
if not all(v > 0 for v in r.get("binary_bytes", {}).values()) or len(r["binary_bytes"]) != 3:
    bad.append(f"binary_bytes={r.get('binary_bytes')!r}")
# Idle connections held while one more enrollment ran.
idle = r.get("idle") or {}
if idle.get("opened") != 3 or idle.get("cmd_rc") != 0 or not idle.get("rss_kb_idle", 0) > 0:
    bad.append(f"idle={idle!r}")
bench_check.done(bad)
PY
echo "PASS"
