#!/usr/bin/env bash
# T-CRASH (small): tests/bench/crash-safety.sh with 3 pledges and 2 cycles per
# server of SIGKILL under load (registrar, MASA, registrar, MASA), restart,
# store, voucher and audit checks on both servers and retries of the
# interrupted pledges.
set -euo pipefail
: "${BRSKI_BIN:?BRSKI_BIN not set}"
SRC=${BRSKI_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
out=$("$SRC/tests/bench/crash-safety.sh" --pledges 3 --cycles 2 --target both) ||
    { echo "$out"; exit 1; }
echo "$out"
grep -q "^PASS: 4 cycles (registrar killed 2, MASA killed 2)" <<<"$out" ||
    { echo "FAIL: no PASS line" >&2; exit 1; }
grep -q "SIGKILL masa;.*[1-9][0-9]* received vouchers found in both stores" <<<"$out" ||
    { echo "FAIL: no voucher was checked against the stores" >&2; exit 1; }
rc=0; "$SRC/tests/bench/crash-safety.sh" --target pledge 2>/dev/null || rc=$?
[ "$rc" = 2 ] || { echo "FAIL: --target pledge: exit $rc, want 2" >&2; exit 1; }
rc=0; "$SRC/tests/bench/crash-safety.sh" --cycles x 2>/dev/null || rc=$?
[ "$rc" = 2 ] || { echo "FAIL: --cycles x: exit $rc, want 2" >&2; exit 1; }
echo "PASS"
