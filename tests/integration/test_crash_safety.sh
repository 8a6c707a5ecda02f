#!/usr/bin/env bash
# T-CRASH (small): tests/bench/crash-safety.sh with 3 pledges and 3 cycles of
# SIGKILL of the registrar under load, restart, store and audit checks and
# retries of the interrupted pledges.
set -euo pipefail
: "${BRSKI_BIN:?BRSKI_BIN not set}"
SRC=${BRSKI_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
out=$("$SRC/tests/bench/crash-safety.sh" --pledges 3 --cycles 3) || { echo "$out"; exit 1; }
echo "$out"
grep -q "^PASS: 3 cycles" <<<"$out" || { echo "FAIL: no PASS line" >&2; exit 1; }
rc=0; "$SRC/tests/bench/crash-safety.sh" --cycles x 2>/dev/null || rc=$?
[ "$rc" = 2 ] || { echo "FAIL: --cycles x: exit $rc, want 2" >&2; exit 1; }
echo "PASS"
