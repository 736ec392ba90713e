#!/usr/bin/env bash
# REST read benchmark: GET /api/v1/jobs with 10,000 jobs in the grid, measured with wrk on loopback.
#
#   grid-manager/bench/rest-bench.sh [--port 8495] [--jobs 10000] [--duration 20s] [--connections 8]
#                                    [--threads 1]
#
# Starts its own local grid (1 cluster x 2 nodes) in a fresh state directory, writes the job records
# straight into its ZooKeeper (bench/SeedJobs.java: ended jobs, spread over the nodes), waits until
# the manager's read model holds them all, then runs wrk against two reads:
#   1. GET /api/v1/jobs              (the default page: 1,000 jobs, total 10,000)
#   2. GET /api/v1/jobs?limit=10000  (every job in one answer, about 3 MB)
# and prints wrk's latency distribution (p50 ... p99) and the manager's CPU time per answer (from
# /proc, user + system: the server's own work, whatever else the machine runs). The grid is stopped
# at the end.
#
# wrk runs one thread by default: its threads compete with the server for the CPUs, and on a
# 2-core machine two busy wrk threads and the server's event loop are three runnable threads on two
# cores, so part of the tail measured is the load generator's. One thread drives the 4 connections
# (wrk multiplexes them on epoll) and leaves a core to the server. --threads 2 is the setting of
# the runs before 2026-12-06.
set -euo pipefail
ROOT=$(CDPATH= cd -- "$(dirname -- "$0")/../.." && pwd)
PORT=8495 JOBS=10000 DURATION=20s CONNECTIONS=8 THREADS=1
while [ $# -gt 0 ]; do
  case "$1" in
    --port) PORT=$2; shift 2 ;;
    --jobs) JOBS=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --connections) CONNECTIONS=$2; shift 2 ;;
    --threads) THREADS=$2; shift 2 ;;
    *) echo "usage: $0 [--port P] [--jobs N] [--duration 20s] [--connections C] [--threads T]" >&2; exit 2 ;;
  esac
done
command -v wrk >/dev/null || { echo "rest-bench: wrk is missing: run scripts/setup.sh" >&2; exit 1; }
STATE=$(mktemp -d /tmp/roam-bench.XXXXXX)
export ROAM_STATE_DIR="$STATE"
cleanup() { "$ROOT/bin/gridctl" down >/dev/null 2>&1 || true; rm -rf "$STATE"; }
trap cleanup EXIT

"$ROOT/bin/gridctl" up --port "$PORT" --clusters 1 --nodes-per-cluster 2 >/dev/null
INFO="$STATE/grid.json"
field() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$INFO" "$1"; }
API=$(field api) ZK=$(field zookeeper) PID=$(field pid)
export ROAM_TOKEN=$(field token)

java -cp "$ROOT/grid-manager/target/grid-manager.jar" "$ROOT/grid-manager/bench/SeedJobs.java" \
  "$ZK" default "$JOBS"
for _ in $(seq 1 120); do
  total=$(curl -s -H "Authorization: Bearer $ROAM_TOKEN" "$API/api/v1/jobs?limit=1" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')
  [ "$total" -ge "$JOBS" ] && break
  sleep 1
done
echo "grid at $API holds $total jobs"

# The manager's user + system CPU time, in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$PID/stat"; }

LUA=$(mktemp /tmp/roam-bench-XXXXXX.lua)
cat >"$LUA" <<'LUA'
wrk.headers["Authorization"] = "Bearer " .. os.getenv("ROAM_TOKEN")
LUA
for path in "/api/v1/jobs" "/api/v1/jobs?limit=$JOBS"; do
  bytes=$(curl -s -o /dev/null -w '%{size_download}' -H "Authorization: Bearer $ROAM_TOKEN" "$API$path")
  echo
  echo "== GET $path ($bytes bytes per answer)"
  # A short warm-up lets the JIT compile the handler before the measured run.
  wrk -t"$THREADS" -c"$CONNECTIONS" -d5s -s "$LUA" "$API$path" >/dev/null
  echo "load before the run: $(cut -d' ' -f1-3 /proc/loadavg) ($(date -u +%H:%M:%S) UTC)"
  cpu0=$(cpu_ticks)
  out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$LUA" "$API$path")
  cpu1=$(cpu_ticks)
  echo "$out"
  n=$(echo "$out" | awk '/requests in/ {print $1}')
  python3 -c "import sys; t, n, hz = map(int, sys.argv[1:]); print('manager CPU per answer: %.3f ms' % (t * 1000 / hz / max(n, 1)))" \
    "$((cpu1 - cpu0))" "$n" "$(getconf CLK_TCK)"
done
rm -f "$LUA"
