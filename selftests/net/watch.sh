#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# stats --watch and the JSON clocks: the first round has no rate (null, not
# 0.0); a per-source counter that restarts (here: --replace with another
# --max-sources makes a new table) never gives a wrapped-around rate; every
# document has the wall-clock "time" of its reading and each source a
# wall-clock "last_seen" next to last_seen_ns.
source "$(dirname "$0")/lib.sh"
lib_init watch

gen_fabric gen col || { fail "fabric setup"; exit 1; }
vt_ok "attach" col attach eth1 || exit 1
vxsend gen col 10.99.0.10,100,40,0,0,before >/dev/null

bg_ns col "$TMPD/watch.json" "$VTAPCTL" stats eth1 --json --watch 1
watch=$BG_PID
wait_for 50 test -s "$TMPD/watch.json"
# A restart within one interval: the new table counts 2 where the old had 40.
vt_ok "--replace with another --max-sources (a new per-source table)" \
	col attach eth1 --replace --max-sources 1024
vxsend gen col 10.99.0.10,100,2,0,0,after >/dev/null
sleep 2.5
kill -INT $watch
wait $watch

"$PY" - "$TMPD/watch.json" <<'PY' >"$TMPD/check.txt"
import json, sys, datetime
docs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
def at(s):
    if not s:
        return datetime.datetime.fromtimestamp(0, datetime.timezone.utc)
    return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)
print("rounds", len(docs))
first = docs[0]["sources"]
print("first_round_pps", sorted(set(json.dumps(s["pps"]) for s in first)))
rates = [s["pps"] for d in docs[1:] for s in d["sources"]]
print("later_rates_sane", all(r is not None and 0 <= r < 1000 for r in rates) and len(rates) > 0)
print("max_rate", max(rates) if rates else None)
now = datetime.datetime.now(datetime.timezone.utc)
print("time_recent", all(abs((at(d.get("time")) - now).total_seconds()) < 60 for d in docs))
last = [s for d in docs for s in d["sources"]]
print("last_seen_near_time", len(last) > 0 and all("last_seen" in s for s in last) and all(abs((at(s.get("last_seen")) - at(d.get("time"))).total_seconds()) < 30
      for d in docs for s in d["sources"]))
PY
info "$(tr '\n' ' ' <"$TMPD/check.txt")"
check "several rounds printed" grep -Eq '^rounds ([3-9]|[1-9][0-9])$' "$TMPD/check.txt"
check "first round: pps is null, not 0.0" grep -qx "first_round_pps \\['null'\\]" "$TMPD/check.txt"
check "after the counter restart: every rate between 0 and 1000 pps, no wrap-around" \
	grep -qx 'later_rates_sane True' "$TMPD/check.txt"
check "each document has its wall-clock time" grep -qx 'time_recent True' "$TMPD/check.txt"
check "each source has a wall-clock last_seen near it" grep -qx 'last_seen_near_time True' "$TMPD/check.txt"

exit 0
