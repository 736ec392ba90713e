#!/usr/bin/env bash
# Real balancing benchmark (docs/performance.md, "Balancing on the local grid, for real"): a
# local grid of nodes of unequal CPU capacity (cgroups, gridctl up --cpu), a burst of N CPU-bound
# jobs started at once on one node, balancing off and on in the same run. Reports, per run and
# mode, the makespan (first submission to last end), the mean slowdown (a job's time from
# submission to end over its time alone on one unshared core, measured at the start), the
# migrations, the jobs passed on before they started (and the median time from submission to
# start), and the 1-minute load average of the machine before and after.
#
#   grid-manager/bench/makespan-bench.sh [--jobs 6] [--work 2] [--runs 3]
#                                        [--cpu 0.25,0.5,0.25,1] [--node c1-n1] [--port 8480]
#
# --work is each job's CPU seconds on one unshared core; --cpu is one share per node (2 x 2
# nodes). Two grids run side by side (ports P and P+1), one without and one with --balance;
# the modes alternate, so that both meet the same machine. Needs root (cgroups, CRIU).
set -euo pipefail
ROOT=$(CDPATH= cd -- "$(dirname -- "$0")/../.." && pwd)
N=6 WORK=2 RUNS=3 CPU=0.25,0.5,0.25,1 NODE=c1-n1 PORT=8480
while [ $# -gt 0 ]; do
  case "$1" in
    --jobs) N=$2; shift 2 ;;
    --work) WORK=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --cpu) CPU=$2; shift 2 ;;
    --node) NODE=$2; shift 2 ;;
    --port) PORT=$2; shift 2 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "makespan-bench: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" -eq 0 ] || { echo "makespan-bench: run as root" >&2; exit 1; }
WORKDIR=$(mktemp -d /tmp/roam-makespan.XXXXXX)
G="$ROOT/bin/gridctl"
cleanup() {
  ROAM_STATE_DIR=$WORKDIR/off "$G" down >/dev/null 2>&1 || true
  ROAM_STATE_DIR=$WORKDIR/on "$G" down >/dev/null 2>&1 || true
  rm -rf "$WORKDIR"
}
trap cleanup EXIT
loadavg() { cut -d' ' -f1 /proc/loadavg; }

# The job: a shell counting to COUNT (CPU only, no I/O, migratable by CRIU).
JOB='i=0; while [ $i -lt "$1" ]; do i=$((i + 1)); done'
# CPU time, not wall time: the machine may be busy, and a job's need is its CPU seconds.
spin() { /usr/bin/time -f '%U %S' sh -c "$JOB" job "$1" 2>&1 >/dev/null | tail -1 | awk '{print $1 + $2}'; }
probe=300000
t=$(spin $probe)
COUNT=$(python3 -c "print(max(1000, int($probe * $WORK / max($t, 0.01))))")
# Its time alone on one unshared core, i.e. its CPU time (median of 3).
REF=$(for _ in 1 2 3; do spin "$COUNT"; done | sort -n | sed -n 2p)
echo "job: sh counting to $COUNT; alone on one core: $REF s (load average $(loadavg))" >&2

for mode in off on; do
  port=$PORT; flag=()
  if [ $mode = on ]; then port=$((PORT + 1)); flag=(--balance); fi
  ROAM_STATE_DIR=$WORKDIR/$mode "$G" up --port "$port" --cpu "$CPU" "${flag[@]}" >/dev/null
done
ROAM_STATE_DIR=$WORKDIR/on "$G" node list >&2

# One burst: N jobs on NODE at once through the REST API, then wait for every one to end.
BURST='import json, sys, time, urllib.request
from datetime import datetime
info = json.load(open(sys.argv[1]))
n, node, count, ref = int(sys.argv[2]), sys.argv[3], sys.argv[4], float(sys.argv[5])
job = sys.argv[6]
def call(method, path, body=None):
    req = urllib.request.Request(info["api"] + path, method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": "Bearer " + info["token"], "Content-Type": "application/json"})
    with urllib.request.urlopen(req) as r:
        return json.load(r)
ids = [call("POST", "/api/v1/jobs", {"command": ["sh", "-c", job, "job", count], "node": node})["id"]
       for _ in range(n)]
while True:
    time.sleep(1)
    recs = [call("GET", "/api/v1/jobs/" + i) for i in ids]
    if all(r["state"] not in ("PENDING", "RUNNING") for r in recs):
        break
t = lambda s: datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()
bad = [r["id"] + ":" + r["state"] for r in recs if r["state"] != "EXITED" or r.get("exitCode") != 0]
start = min(t(r["createdAt"]) for r in recs)
makespan = max(t(r["endedAt"]) for r in recs) - start
slowdown = sum((t(r["endedAt"]) - t(r["createdAt"])) / ref for r in recs) / n
moves = sum(r["migrations"] for r in recs)
where = ",".join(sorted(set(r["node"] for r in recs)))
failed = ",".join(bad) or "-"
passed = sum(1 for r in recs if r.get("forwardedFrom"))
waits = sorted(t(r["startedAt"]) - t(r["createdAt"]) for r in recs if r.get("startedAt"))
wait = f"{1000 * waits[len(waits) // 2]:.0f}" if waits else "-"
print(f"{makespan:.1f} {slowdown:.1f} {moves} {passed} {wait} {where} {failed}")'

printf '| run | balancing | load avg before | makespan (s) | mean slowdown | migrations | passed on unstarted | submission to start, median (ms) | ended on | failed | load avg after |\n'
printf '|---|---|---|---|---|---|---|---|---|---|---|\n'
declare -A sum_m sum_s
for r in $(seq 1 "$RUNS"); do
  for mode in off on; do
    before=$(loadavg)
    read -r ms sd moves passed wait where bad < <(python3 -c "$BURST" "$WORKDIR/$mode/grid.json" "$N" "$NODE" \
      "$COUNT" "$REF" "$JOB")
    printf '| %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$r" "$mode" "$before" \
      "$ms" "$sd" "$moves" "$passed" "$wait" "$where" "$bad" "$(loadavg)"
    sum_m[$mode]=$(python3 -c "print(${sum_m[$mode]:-0} + $ms)")
    sum_s[$mode]=$(python3 -c "print(${sum_s[$mode]:-0} + $sd)")
    sleep 3 # let the gossiped load settle
  done
done
for mode in off on; do
  printf '| mean | %s | | %.1f | %.1f | | | | | | |\n' "$mode" \
    "$(python3 -c "print(${sum_m[$mode]} / $RUNS)")" "$(python3 -c "print(${sum_s[$mode]} / $RUNS)")"
done
echo "N=$N jobs of $REF s (alone) on $NODE; CPU shares $CPU cores; $(nproc) cores" >&2
