#!/usr/bin/env bash
# Migration benchmark (PERFORMANCE.md section 1): an unmodified program holding M MiB of touched
# memory and counting is moved between two sandboxed local nodes (separate state directories), and,
# in the same run, the same kind of process is moved by hand with plain CRIU (dump, copy, restore)
# with no grid around it. Prints a Markdown table of medians.
#
#   guest-agent/bench/migration-bench.sh [--sizes 16,64,256,1024] [--runs 3] [--port 8479]
#
# Needs root, a built tree (bin/gridctl builds it) and scripts/setup.sh's CRIU.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SIZES=16,64,256,1024
RUNS=3
PORT=8479
while [ $# -gt 0 ]; do
  case "$1" in
    --sizes) SIZES=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --port) PORT=$2; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "migration-bench: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" -eq 0 ] || { echo "migration-bench: run as root" >&2; exit 1; }
CRIU=${ROAM_CRIU:-/var/cache/roam/bin/criu}
[ -x "$CRIU" ] || { echo "migration-bench: no CRIU at $CRIU: run scripts/setup.sh" >&2; exit 1; }

WORK=$(mktemp -d /tmp/roam-bench.XXXXXX)
export ROAM_STATE_DIR=$WORK/grid
G="$ROOT/bin/gridctl"
cleanup() {
  "$G" down >/dev/null 2>&1 || true
  pkill -f "$WORK/plain" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# The program: holds M MiB (every page written) and prints a counter every 50 ms.
PROG='import sys, time
m = int(sys.argv[1]) << 20
buf = bytearray(m)
for i in range(0, m, 4096):
    buf[i] = 1
i = 0
while True:
    print(i, flush=True)
    i += 1
    time.sleep(0.05)'

now_ms() { date +%s%3N; }
median() { sort -n | awk '{a[NR]=$1} END {if (NR==0) print "-"; else if (NR%2) print a[(NR+1)/2]; else print int((a[NR/2]+a[NR/2+1])/2)}'; }

"$G" up --port "$PORT" >/dev/null
echo "grid up in $ROAM_STATE_DIR" >&2

# Plain CRIU by hand: the same launch recipe, dump, copy the job's files and images, restore.
plain_once() {
  local mib=$1 run=$2 dir="$WORK/plain/$mib-$run"
  mkdir -p "$dir/job/work" "$dir/img"
  setsid unshare --pid --fork --kill-child setsid sh -c \
    'exec </dev/null >"$0/stdout" 2>"$0/stderr"; cd "$0/work" && "$@"; echo $? > "$0/exit-status"' \
    "$dir/job" python3 -c "$PROG" "$mib" </dev/null >/dev/null 2>&1 &
  local launcher=$!
  until [ -s "$dir/job/stdout" ]; do sleep 0.05; done
  local root
  root=$(ps -o pid= --ppid "$launcher" | tr -d ' ')
  local t0 t1 t2 t3
  t0=$(now_ms)
  "$CRIU" dump -t "$root" -D "$dir/img" -o dump.log >/dev/null 2>&1 ||
    { echo "migration-bench: plain CRIU dump failed: $(tail -3 "$dir/img/dump.log")" >&2; return 1; }
  t1=$(now_ms)
  mkdir -p "$dir/copy"
  cp -a "$dir/img" "$dir/copy/img" && cp -a "$dir/job" "$dir/copy/job"
  rm -rf "$dir/job" && mv "$dir/copy/job" "$dir/job"
  t2=$(now_ms)
  "$CRIU" restore -d -D "$dir/copy/img" -o restore.log --manage-cgroups=ignore --pidfile "$dir/restored.pid" >/dev/null 2>&1 ||
    { echo "migration-bench: plain CRIU restore failed: $(tail -3 "$dir/copy/img/restore.log")" >&2; return 1; }
  t3=$(now_ms)
  local size
  size=$(du -sb "$dir/copy/img" | cut -f1)
  kill -9 "$(cat "$dir/restored.pid")" 2>/dev/null || true
  kill -9 "$launcher" 2>/dev/null || true
  rm -rf "$dir"
  echo "$((t3 - t0)) $((t1 - t0)) $((t3 - t2)) $size"
}

# The grid's local nodes keep CRIU's kernel data (/run/criu.kdat) on a tmpfs /run of their own
# where the host's /run is not one (LocalGrid's sandbox); plain CRIU gets the same: each plain move
# runs in a mount namespace with a tmpfs /run, the kernel data learnt (untimed) before the dump.
plain() {
  if [ "$(stat -f -c %T /run)" = tmpfs ]; then
    plain_once "$@"
    return
  fi
  # Descriptors inherited from the caller would name mounts of the outer namespace, which CRIU
  # cannot dump from within this one: the job gets none beyond 0-2.
  unshare --mount --propagation private bash -c \
    'mount -t tmpfs -o mode=0755 roam-run /run && { "$CRIU" check >/dev/null 2>&1 || true; }
     for fd in /proc/$$/fd/*; do n=${fd##*/}; [ "$n" -gt 2 ] && eval "exec $n>&-"; done
     plain_once "$@"' _ "$@"
}
export -f plain_once now_ms
export CRIU PROG WORK

printf '| M (MiB) | grid frozen (ms) | grid total (ms) | grid bytes | plain total (ms) | plain dump / restore (ms) | grid ÷ plain | output continuous |\n'
printf '|---|---|---|---|---|---|---|---|\n'
IFS=, read -ra sizes <<<"$SIZES"
for mib in "${sizes[@]}"; do
  job=$("$G" run --node c1-n1 -- python3 -c "$PROG" "$mib")
  until [ -n "$("$G" logs "$job" 2>/dev/null | head -c1)" ]; do sleep 0.1; done
  frozen=(); total=(); bytes=(); ptotal=(); pdump=(); prestore=()
  target=c1-n2
  for run in $(seq 1 "$RUNS"); do
    out=$("$G" migrate --wait --json "$job" "$target")
    read -r f t b < <(python3 -c 'import json,sys; o=json.load(sys.stdin); print(o["frozenMillis"], o["totalMillis"], o["bytes"])' <<<"$out")
    frozen+=("$f"); total+=("$t"); bytes+=("$b")
    target=$([ "$target" = c1-n2 ] && echo c1-n1 || echo c1-n2)
    read -r pt pd pr _ < <(plain "$mib" "$run")
    ptotal+=("$pt"); pdump+=("$pd"); prestore+=("$pr")
    sleep 0.3
  done
  "$G" kill "$job" >/dev/null
  "$G" wait "$job" >/dev/null 2>&1 || true
  continuous=$("$G" logs "$job" | awk 'NR-1!=$1{bad=1} END{print (bad ? "NO" : "yes (" NR " lines)")}')
  mf=$(printf '%s\n' "${frozen[@]}" | median); mt=$(printf '%s\n' "${total[@]}" | median)
  mb=$(printf '%s\n' "${bytes[@]}" | median); mp=$(printf '%s\n' "${ptotal[@]}" | median)
  md=$(printf '%s\n' "${pdump[@]}" | median); mr=$(printf '%s\n' "${prestore[@]}" | median)
  ratio=$(awk -v a="$mt" -v b="$mp" 'BEGIN{printf "%.2f", a/b}')
  printf '| %s | %s | %s | %.1f MiB | %s | %s / %s | %s | %s |\n' "$mib" "$mf" "$mt" "$(awk -v b="$mb" 'BEGIN{print b/1048576}')" "$mp" "$md" "$mr" "$ratio" "$continuous"
done
