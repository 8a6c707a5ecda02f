#!/usr/bin/env python3
"""Crypto-limit and message-size part of the brski-bench report.

usage: bench_report.py OPCOUNT_FILE PROBE_JSON OK RATE CORES MASA_PID REGISTRAR_PID JSON_OUT TABLE_OUT TRANSPORT

OPCOUNT_FILE holds the lines the programs append (common/opcount.c):
  - each server: two "tag=usr1" snapshots, before and after the load (their
    difference is the load's work, without start-up key loading);
  - each pledge run: one "tag=exit" line.
PROBE_JSON is brski-crypto-probe's output: CPU microseconds per operation.

Crypto cost per enrollment = sum over counted operations of count x time.
crypto_limit_per_s = CORES / cost: the enrollment rate this machine's cores
could sustain doing nothing but these public-key operations. Pledges run on
the same cores in the bench, so the headline limit includes their work;
crypto_limit_servers_per_s counts the registrar and MASA alone.

Over CoAP the pledge-registrar DTLS handshakes run in libcoap's OpenSSL;
common/transport_coap.c counts each one on both sides and opcount.c derives
its operations ("dtls.*", "hs.dtls_*"). They are costed with the same
wolfCrypt probe times as the rest (the limit is what this machine's
wolfCrypt would allow for that work). dtls_counted is true when both the
pledges and the registrar reported DTLS handshakes.
"""
import json
import sys

KINDS = ("sign", "verify", "keygen", "ecdh", "pubderive")
MSGS = ("pvr", "rvr", "voucher", "csr", "cert")


def parse(path):
    lines = []
    with open(path, encoding="ascii", errors="replace") as f:
        for raw in f:
            parts = raw.split()
            if not parts or parts[0] != "opcount":
                continue
            rec = {"counts": {}}
            for p in parts[1:]:
                k, _, v = p.partition("=")
                if k in ("prog", "pid", "tag"):
                    rec[k] = v
                elif v.isdigit():
                    rec["counts"][k] = int(v)
            lines.append(rec)
    return lines


def delta(lines, pid):
    snaps = [r["counts"] for r in lines if r.get("pid") == str(pid) and r.get("tag") == "usr1"]
    if len(snaps) < 2:
        raise SystemExit(f"bench_report: fewer than 2 snapshots from pid {pid}")
    a, b = snaps[0], snaps[-1]
    return {k: b.get(k, 0) - a.get(k, 0) for k in set(a) | set(b) if b.get(k, 0) != a.get(k, 0)}


def timing(us, key):
    """Microseconds for counter key origin.op.alg, or None when not probed."""
    origin, op, alg = key.split(".")
    if origin in ("tls", "dtls") and op == "sign" and f"rawsign.{alg}" in us:
        return us[f"rawsign.{alg}"]
    return us.get(f"{op}.{alg}")


def main(argv):
    if len(argv) != 11:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    opfile, probefile, ok, rate, cores, masa_pid, reg_pid, json_out, table_out, transport = argv[1:]
    coap = transport == "coap"
    ok, rate, cores = int(ok), float(rate), int(cores)
    lines = parse(opfile)
    with open(probefile, encoding="ascii") as f:
        us = json.load(f)["us"]

    roles = {"pledge": {}, "registrar": delta(lines, reg_pid), "masa": delta(lines, masa_pid)}
    pledge_runs = 0
    for r in lines:
        if r.get("prog") == "brski-pledge" and r.get("tag") == "exit":
            pledge_runs += 1
            for k, v in r["counts"].items():
                roles["pledge"][k] = roles["pledge"].get(k, 0) + v
    # Without a successful enrollment the counts are per attempt (pledge run).
    n = ok if ok > 0 else max(pledge_runs, 1)

    untimed = set()
    by_role = {}
    cost_us = {}
    kinds_total = {k: 0.0 for k in KINDS}
    handshakes = {}
    dtls_handshakes = {}
    for role, c in roles.items():
        ops = {}
        cost = 0.0
        for k, v in sorted(c.items()):
            origin = k.split(".")[0]
            if origin not in ("own", "tls", "dtls"):
                continue
            per = v / n
            ops[k] = round(per, 2)
            kinds_total[k.split(".")[1]] += per
            t = timing(us, k)
            if t is None:
                untimed.add(k.split(".", 1)[1])
            else:
                cost += per * t
        by_role[role] = ops
        cost_us[role] = cost
        handshakes[role] = {
            "full": round((c.get("hs.server.full", 0) + c.get("hs.client.full", 0)) / n, 2),
            "resumed": round((c.get("hs.server.resumed", 0) + c.get("hs.client.resumed", 0)) / n, 2),
        }
        dtls_handshakes[role] = {
            "full": round((c.get("hs.dtls_server.full", 0) + c.get("hs.dtls_client.full", 0)) / n, 2),
            "resumed": round((c.get("hs.dtls_server.resumed", 0)
                              + c.get("hs.dtls_client.resumed", 0)) / n, 2),
        }
    total = sum(cost_us.values())
    servers = cost_us["registrar"] + cost_us["masa"]
    limit = cores * 1e6 / total if total > 0 else 0.0
    limit_srv = cores * 1e6 / servers if servers > 0 else 0.0

    def mean_bytes(c, m):
        cnt = c.get(f"msg.{m}.n", 0)
        return round(c.get(f"msg.{m}.bytes", 0) / cnt) if cnt else 0

    msg = {m: mean_bytes(roles["registrar"] if m == "rvr" else roles["pledge"], m) for m in MSGS}
    out = {
        "cores": cores,
        "counts_per": "enrollment" if ok > 0 else "attempt",
        "crypto_cost_ms_per_enrollment": round(total / 1000, 3),
        "crypto_cost_ms_by_role": {r: round(v / 1000, 3) for r, v in cost_us.items()},
        "crypto_limit_per_s": round(limit, 2),
        "crypto_limit_servers_per_s": round(limit_srv, 2),
        "ratio": round(rate / limit, 3) if limit > 0 else 0.0,
        "ratio_servers": round(rate / limit_srv, 3) if limit_srv > 0 else 0.0,
        "ops_per_enrollment": {k: round(v, 2) for k, v in kinds_total.items()},
        "ops_per_enrollment_by_role": by_role,
        "tls_handshakes_per_enrollment": handshakes,
        "pledge_runs_counted": pledge_runs,
        "message_bytes": dict(format="cose-cbor" if coap else "cms-json", **msg),
        "untimed_ops": sorted(untimed),
    }
    if coap:
        out["dtls_handshakes_per_enrollment"] = dtls_handshakes
        out["dtls_counted"] = all(
            dtls_handshakes[r]["full"] + dtls_handshakes[r]["resumed"] > 0
            for r in ("pledge", "registrar"))
    with open(json_out, "w", encoding="ascii") as f:
        json.dump(out, f, separators=(",", ":"))

    t = []
    t.append("  crypto per %s (counted ops x probe times, CPU):"
             % ("enrollment" if ok > 0 else "attempted enrollment (none succeeded)"))
    t.append(f"    {'role':<10} {'sign':>6} {'verify':>7} {'keygen':>7} {'ecdh':>6} "
             f"{'pubder.':>7} {'TLS full/res.':>13} {'crypto ms':>9}")
    for role in ("pledge", "registrar", "masa"):
        per_kind = {k: 0.0 for k in KINDS}
        for k, v in by_role[role].items():
            per_kind[k.split(".")[1]] += v
        hs = handshakes[role]
        t.append(f"    {role:<10} {per_kind['sign']:>6.2f} {per_kind['verify']:>7.2f} "
                 f"{per_kind['keygen']:>7.2f} {per_kind['ecdh']:>6.2f} "
                 f"{per_kind['pubderive']:>7.2f} {hs['full']:>6.2f}/{hs['resumed']:<6.2f} "
                 f"{cost_us[role] / 1000:>9.3f}")
    t.append(f"    {'total':<10} {kinds_total['sign']:>6.2f} {kinds_total['verify']:>7.2f} "
             f"{kinds_total['keygen']:>7.2f} {kinds_total['ecdh']:>6.2f} "
             f"{kinds_total['pubderive']:>7.2f} {'':>13} {total / 1000:>9.3f}")
    t.append(f"  {'crypto limit (all roles, %d cores)' % cores:<36} {limit:.2f} enrollments/s")
    t.append(f"  {'crypto limit (servers only)':<36} {limit_srv:.2f} enrollments/s")
    t.append(f"  {'ratio measured / crypto limit':<36} {out['ratio']:.3f} "
             f"(servers only: {out['ratio_servers']:.3f})")
    label = "message bytes (COSE/CBOR)" if coap else "message bytes (CMS/JSON)"
    t.append(f"  {label:<36} PVR {msg['pvr']}, RVR {msg['rvr']}, "
             f"voucher {msg['voucher']}, CSR {msg['csr']}, cert {msg['cert']}")
    if coap:
        dh = dtls_handshakes
        t.append(f"  {'DTLS handshakes full/resumed':<36} pledge {dh['pledge']['full']:.2f}/"
                 f"{dh['pledge']['resumed']:.2f}, registrar {dh['registrar']['full']:.2f}/"
                 f"{dh['registrar']['resumed']:.2f} per enrollment (ops included above)")
        if not out["dtls_counted"]:
            t.append("  pledge-registrar DTLS handshakes were NOT counted: the CoAP limit is incomplete")
    if untimed:
        t.append(f"  untimed operations (not in the cost): {', '.join(sorted(untimed))}")
    with open(table_out, "w", encoding="ascii") as f:
        f.write("\n".join(t) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
