#!/usr/bin/env bash
# brski-certs audit over a demo PKI: EE counts per anchor, depth and whether
# it is locked, algorithms per level, key files and their permissions.
set -u
. "$(dirname "$0")/lib.sh"
work_dir certs-audit
"$CERTS" init --dir "$W/pki" --levels 3 --pledges 2 >/dev/null 2>&1 || { echo "init failed"; exit 1; }
chmod 0644 "$W/pki/domain/registrar.key"
"$CERTS" audit --dir "$W/pki" --json >"$W/audit.json" || { echo "audit failed"; exit 1; }
"$CERTS" audit --dir "$W/pki" >"$W/audit.txt" || { echo "audit (text) failed"; exit 1; }
/usr/bin/python3 - "$W/audit.json" "$W/audit.txt" <<'PY'
import json, sys
rep = json.load(open(sys.argv[1]))
txt = open(sys.argv[2]).read()
fails = 0
def check(name, cond):
    global fails
    print(("ok   " if cond else "FAIL ") + name)
    fails += 0 if cond else 1
anchors = {a["subject"]: a for a in rep["anchors"]}
m = [a for s, a in anchors.items() if "Manufacturer Root" in s]
d = [a for s, a in anchors.items() if "Domain CA" in s]
check("two anchors", len(anchors) == 2 and len(m) == 1 and len(d) == 1)
m, d = m[0], d[0]
# manufacturer root vouches for 2 IDevIDs (depth 3) + MASA signer and TLS (depth 2)
check("manufacturer EE count", m["ee_count"] == 4)
check("manufacturer depth 2..3 not locked", (m["ee_depth_min"], m["ee_depth_max"], m["depth_locked"]) == (2, 3, False))
check("idevids carry serialNumber", m["ee_with_serial_number"] == 2)
check("idevids never expire", m["ee_no_expiry"] == 2)
check("levels 1..3 p256", sorted(m["algorithms_per_level"]) == ["1", "2", "3"] and
      all(v == ["ec-256/ecdsa-with-SHA256"] for v in m["algorithms_per_level"].values()))
check("domain: 1 EE at locked depth 2", (d["ee_count"], d["ee_depth_min"], d["depth_locked"]) == (1, 2, True))
keys = {k["file"].split("/pki/")[1]: k for k in rep["keys"]}
check("root key is a CA key in a 0600 file", keys["manufacturer/root.key"]["ca_key"] and keys["manufacturer/root.key"]["mode"] == "0600")
check("open key flagged", keys["domain/registrar.key"]["mode_ok"] is False and "TOO OPEN" in txt)
check("every key matched to its certificate", all(k["certificate"] for k in rep["keys"]))
check("text names locked/not locked", "not locked" in txt and ", locked" in txt)
sys.exit(1 if fails else 0)
PY
rc=$?
"$CERTS" audit --dir "$W/none" >/dev/null 2>&1; [ $? = 2 ] || { echo "FAIL missing dir"; rc=1; }
"$CERTS" audit >/dev/null 2>&1; [ $? = 2 ] || { echo "FAIL usage"; rc=1; }
exit $rc
