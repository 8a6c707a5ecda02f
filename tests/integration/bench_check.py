"""Checks of a brski-bench --json result that test_bench_small.sh and
test_bench_small_coap.sh share.

Imported by their Python snippets (PYTHONPATH="$LIB_DIR", see lib.sh); not a
test itself.
"""

import json
import sys

POSITIVE = ("enrollments_per_s", "p50_ms", "p95_ms", "p99_ms", "crypto_limit_per_s",
            "crypto_limit_servers_per_s", "ratio", "crypto_cost_ms_per_enrollment")


def result():
    """The result line given as the first argument."""
    return json.loads(sys.argv[1])


def common(r, want, sizes):
    """Failures of r: a field of want not equal, a rate, percentile or
    crypto-limit field not a positive number, a message_bytes entry of sizes
    ({message: least bytes}) smaller or missing, percentiles not ordered."""
    bad = [f"{k}={r.get(k)!r} want {v!r}" for k, v in want.items() if r.get(k) != v]
    for k in POSITIVE:
        if not isinstance(r.get(k), (int, float)) or r[k] <= 0:
            bad.append(f"{k}={r.get(k)!r} not a positive number")
    mb = r.get("message_bytes", {})
    for k, lo in sizes.items():
        if not isinstance(mb.get(k), int) or mb[k] < lo:
            bad.append(f"message_bytes.{k}={mb.get(k)!r} < {lo}")
    if not r["p50_ms"] <= r["p95_ms"] <= r["p99_ms"]:
        bad.append("percentiles not ordered")
    return bad


def done(bad):
    """Exit 1 listing the failures, if any."""
    if bad:
        print("; ".join(bad), file=sys.stderr)
        sys.exit(1)
