#!/usr/bin/env bash
# T-CONC (small): brski-bench with 4 concurrent pledges and 12 enrollments
# over HTTPS. Asserts on correctness only, never on speed: no failed
# enrollment, no duplicate LDevID serial number, every LDevID a pledge wrote
# is in the registrar's store, both servers still alive.
set -euo pipefail
: "${BRSKI_BIN:?BRSKI_BIN not set}"
SRC=${BRSKI_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# Usage errors exit 2.
rc=0; "$SRC/tests/bench/brski-bench" --pledges 0 2>/dev/null || rc=$?
[ "$rc" = 2 ] || fail "--pledges 0: exit $rc, want 2"
rc=0; "$SRC/tests/bench/brski-bench" --transport coaps 2>/dev/null || rc=$?
[ "$rc" = 2 ] || fail "--transport coaps: exit $rc, want 2"

out=$("$SRC/tests/bench/brski-bench" --transport https --pledges 4 --enrollments 12 --json) ||
    fail "brski-bench exited $?"
json=$(tail -n 1 <<<"$out")
echo "$json"
python3 - "$json" <<'PY' || fail "bench result: $json"
import json, sys
r = json.loads(sys.argv[1])
want = {"failed": 0, "duplicate_serials": 0, "succeeded": 12, "ldevids_issued": 12,
        "store_rows": 12, "not_in_store": 0, "servers_alive": True, "failures_by_reason": {}}
bad = [f"{k}={r.get(k)!r} want {v!r}" for k, v in want.items() if r.get(k) != v]
for k in ("enrollments_per_s", "p50_ms", "p95_ms", "p99_ms"):
    if not isinstance(r.get(k), (int, float)) or r[k] <= 0:
        bad.append(f"{k}={r.get(k)!r} not a positive number")
if not r["p50_ms"] <= r["p95_ms"] <= r["p99_ms"]:
    bad.append("percentiles not ordered")
if bad:
    print("; ".join(bad), file=sys.stderr)
    sys.exit(1)
PY
echo "PASS"
