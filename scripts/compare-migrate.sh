#!/usr/bin/env bash
# Our `migrate --mode full` against native Redis replication, on the same 7.0 source.
#
# Datasets (DATASETS="A B C" by default), built on a fresh 7.0 source with redis-cli --pipe:
#   A: 2M strings, 16-byte keys, 64-byte values
#   B: 1M mixed keys: 40% strings, 15% each 10-field hashes, 20-element lists, sets and
#      zsets; 10% of the keys with a TTL
#   C: 200 collections of 100k elements (50 each: list, set, zset, hash)
#
# For each dataset, RUNS times (default 3; RUNS=1 to be quick), alternately:
#   native-default  REPLICAOF into an empty 7.0, disk-based (repl-diskless-sync no), timed
#                   until master_link_status:up and DBSIZE equal
#   native-fastest  the same with repl-diskless-sync yes, repl-diskless-sync-delay 0 on the
#                   source and repl-diskless-load on-empty-db on the replica
#   migrate         `migrate --mode full` into an empty 7.0 (source diskless, delay 0), wall
#                   time and peak RSS from /usr/bin/time -v
# Prints medians, ratios (migrate / native) and our peak RSS.
#
# Then (INCR=0 to skip) incremental: `redis-benchmark -P 16 -t set` load (INCR_N requests,
# default 2M) on a source followed by a native replica and by `migrate --mode sync` at the
# same time; prints the benchmark's rate and, for each follower, the largest lag seen
# (bytes) and how long after the load ended it had applied everything.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
RUNS="${RUNS:-3}"
DATASETS="${DATASETS:-A B C}"
INCR="${INCR:-1}"
INCR_N="${INCR_N:-2000000}"
SERVER=/usr/bin/redis-server

command -v redis-cli >/dev/null && command -v redis-benchmark >/dev/null && [ -x "$SERVER" ] \
  || bash "$ROOT/scripts/install-test-servers.sh" >/dev/null
[ -x /usr/bin/time ] || { echo "/usr/bin/time not found (apt-get install time)" >&2; exit 1; }
(cd "$ROOT" && cargo build --release --quiet --example migrate)
MIGRATE="${CARGO_TARGET_DIR:-$ROOT/target}/release/examples/migrate"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/compare-migrate.XXXXXX")"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { printf '[compare-migrate] %s\n' "$*" >&2; }
now() { date +%s.%N; }
free_port() {
  local p
  while :; do
    p=$(( 20000 + RANDOM % 40000 ))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
}
# start_server NAME [ARGS...]: a server on a free port; sets LAST_PID and LAST_PORT. A port
# that looked free can be taken meanwhile (or be a client's ephemeral port): another is tried.
start_server() {
  local name=$1 port try; shift
  for try in 1 2 3 4 5; do
    port=$(free_port)
    rm -rf "${WORK:?}/$name"; mkdir -p "$WORK/$name"
    "$SERVER" --bind 127.0.0.1 --port "$port" --dir "$WORK/$name" --save '' --appendonly no \
      --logfile "$WORK/$name/redis.log" "$@" &
    LAST_PID=$!
    LAST_PORT=$port
    PIDS+=("$LAST_PID")
    for _ in $(seq 1 200); do
      redis-cli -p "$port" ping >/dev/null 2>&1 && return 0
      kill -0 "$LAST_PID" 2>/dev/null || break
      sleep 0.05
    done
    kill "$LAST_PID" 2>/dev/null || true
  done
  echo "server $name did not start (last log: $(tail -n 3 "$WORK/$name/redis.log" 2>/dev/null))" >&2
  exit 1
}
stop_server() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }
dbsize() { redis-cli -p "$1" dbsize; }

fill() { # dataset port
  case $1 in
  A) awk 'BEGIN { for (i = 0; i < 2000000; i++) { k = sprintf("key:%012d", i); v = sprintf("%064d", i);
       printf "*3\r\n$3\r\nSET\r\n$16\r\n%s\r\n$64\r\n%s\r\n", k, v } }' ;;
  B) awk 'function out(s, n) { printf "*%d\r\n%s", n, s }
     function b(x) { return "$" length(x) "\r\n" x "\r\n" }
     BEGIN { srand(7);
       for (i = 0; i < 1000000; i++) {
         k = "b:" i; r = i % 20
         if (r < 8) out(b("SET") b(k) b("value-" i "-" sprintf("%020d", i)), 3)
         else {
           if (r < 11) { c = "HSET"; s = ""; for (j = 0; j < 10; j++) s = s b("field" j) b("v" i "." j); n = 22 }
           else if (r < 14) { c = "RPUSH"; s = ""; for (j = 0; j < 20; j++) s = s b("item" j "-" i); n = 22 }
           else if (r < 17) { c = "SADD"; s = ""; for (j = 0; j < 20; j++) s = s b("m" j "-" i); n = 22 }
           else { c = "ZADD"; s = ""; for (j = 0; j < 20; j++) s = s b(j * 1.25 + i % 7) b("z" j); n = 42 }
           out(b(c) b(k) s, n)
         }
         if (i % 10 == 3) out(b("PEXPIRE") b(k) b(3600000 + i % 1000), 3)
       } }' ;;
  C) awk 'function b(x) { return "$" length(x) "\r\n" x "\r\n" }
     BEGIN {
       for (c = 0; c < 200; c++) {
         t = c % 4; k = "c:" c
         for (i = 0; i < 100000; i += 1000) {
           s = ""
           if (t == 0) { for (j = i; j < i + 1000; j++) s = s b("element-" j); printf "*%d\r\n%s%s%s", 1002, b("RPUSH"), b(k), s }
           else if (t == 1) { for (j = i; j < i + 1000; j++) s = s b("member-" j); printf "*%d\r\n%s%s%s", 1002, b("SADD"), b(k), s }
           else if (t == 2) { for (j = i; j < i + 1000; j++) s = s b(j * 0.5) b("member-" j); printf "*%d\r\n%s%s%s", 2002, b("ZADD"), b(k), s }
           else { for (j = i; j < i + 1000; j++) s = s b("field-" j) b("value-" j); printf "*%d\r\n%s%s%s", 2002, b("HSET"), b(k), s }
         }
       } }' ;;
  esac | redis-cli -p "$2" --pipe >/dev/null
}

# native SRC_PORT fastest(0|1) -> seconds
native() {
  local sp=$1 fast=$2 rp keys t0 t1
  if [ "$fast" = 1 ]; then
    redis-cli -p "$sp" config set repl-diskless-sync yes >/dev/null
    redis-cli -p "$sp" config set repl-diskless-sync-delay 0 >/dev/null
    start_server replica --repl-diskless-load on-empty-db
  else
    redis-cli -p "$sp" config set repl-diskless-sync no >/dev/null
    start_server replica
  fi
  local rpid=$LAST_PID
  rp=$LAST_PORT
  keys=$(dbsize "$sp")
  t0=$(now)
  redis-cli -p "$rp" replicaof 127.0.0.1 "$sp" >/dev/null
  while :; do
    if redis-cli -p "$rp" info replication | grep -q '^master_link_status:up' \
       && [ "$(dbsize "$rp")" = "$keys" ]; then break; fi
    sleep 0.02
  done
  t1=$(now)
  stop_server "$rpid"
  # Let the source's fork/cleanup settle before the next run.
  sleep 1
  echo "$t1 - $t0" | bc -l
}

# ours SRC_PORT -> "seconds peak_rss_kb"
ours() {
  local sp=$1 tp t0 t1 rss
  redis-cli -p "$sp" config set repl-diskless-sync yes >/dev/null
  redis-cli -p "$sp" config set repl-diskless-sync-delay 0 >/dev/null
  start_server target
  tp=$LAST_PORT
  local tpid=$LAST_PID
  t0=$(now)
  /usr/bin/time -v -o "$WORK/time.txt" "$MIGRATE" --source "redis://127.0.0.1:$sp" \
    --target "redis://127.0.0.1:$tp" --mode full --quiet >/dev/null 2>"$WORK/migrate.err" \
    || { cat "$WORK/migrate.err" >&2; echo "migrate failed" >&2; exit 1; }
  t1=$(now)
  rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$WORK/time.txt")
  [ "$(dbsize "$tp")" = "$(dbsize "$sp")" ] || { echo "migrate: key counts differ" >&2; exit 1; }
  stop_server "$tpid"
  sleep 1
  echo "$(echo "$t1 - $t0" | bc -l) $rss"
}

median() { sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

RESULTS=()
for ds in $DATASETS; do
  start_server "source-$ds"
  sp=$LAST_PORT
  spid=$LAST_PID
  log "dataset $ds: filling the source"
  fill "$ds" "$sp"
  log "dataset $ds: $(dbsize "$sp") keys, used_memory $(redis-cli -p "$sp" info memory | sed -n 's/^used_memory_human:\(.*\)\r$/\1/p')"
  nd=(); nf=(); ou=(); rss=()
  for run in $(seq 1 "$RUNS"); do
    a=$(native "$sp" 0); nd+=("$a")
    b=$(native "$sp" 1); nf+=("$b")
    read -r c r <<<"$(ours "$sp")"; ou+=("$c"); rss+=("$r")
    log "dataset $ds run $run: native-default ${a}s native-fastest ${b}s migrate ${c}s (peak RSS ${r} kB)"
  done
  md=$(printf '%s\n' "${nd[@]}" | median); mf=$(printf '%s\n' "${nf[@]}" | median)
  mo=$(printf '%s\n' "${ou[@]}" | median); mr=$(printf '%s\n' "${rss[@]}" | sort -n | tail -n1)
  RESULTS+=("$(printf '%-3s %10.2f %10.2f %10.2f %8.2fx %8.2fx %10.1f' "$ds" "$md" "$mf" "$mo" \
    "$(echo "$mo / $md" | bc -l)" "$(echo "$mo / $mf" | bc -l)" "$(echo "$mr / 1024" | bc -l)")")
  stop_server "$spid"
done

echo
echo "full copy, median of $RUNS run(s), seconds (ratio = migrate / native):"
printf '%-3s %10s %10s %10s %9s %9s %10s\n' set native-def native-fast migrate "vs-def" "vs-fast" "RSS-MiB"
printf '%s\n' "${RESULTS[@]}"

if [ "$INCR" = 1 ]; then
  log "incremental: redis-benchmark -P 16 -t set -n $INCR_N with a native replica and migrate --mode sync following"
  start_server isource; spid=$LAST_PID; sp=$LAST_PORT
  start_server ireplica; rpid=$LAST_PID; rp=$LAST_PORT
  start_server itarget; tpid=$LAST_PID; tp=$LAST_PORT
  redis-cli -p "$sp" config set repl-backlog-size 256mb >/dev/null
  redis-cli -p "$rp" replicaof 127.0.0.1 "$sp" >/dev/null
  "$MIGRATE" --source "redis://127.0.0.1:$sp" --target "redis://127.0.0.1:$tp" --mode sync \
    --status-json --status-interval-ms 100 --quiet >"$WORK/istatus.jsonl" 2>"$WORK/imigrate.err" &
  mpid=$!; PIDS+=("$mpid")
  until grep -q '"caught_up":true' "$WORK/istatus.jsonl" 2>/dev/null \
     && redis-cli -p "$rp" info replication | grep -q '^master_link_status:up'; do sleep 0.2; done
  from_line=$(( $(wc -l <"$WORK/istatus.jsonl") + 1 ))
  redis-benchmark -p "$sp" -P 16 -t set -n "$INCR_N" -r 1000000 -q >"$WORK/bench.txt" 2>&1 &
  bpid=$!
  nmax=0; omax=0; ndone=""; odone=""; tend=""
  while :; do
    so=$(redis-cli -p "$sp" info replication | sed -n 's/^master_repl_offset:\([0-9]*\).*/\1/p')
    ro=$(redis-cli -p "$rp" info replication | sed -n 's/^slave_repl_offset:\([0-9]*\).*/\1/p')
    oo=$(tail -n1 "$WORK/istatus.jsonl" | sed -n 's/.*"applied_offset":\([0-9]*\).*/\1/p')
    nl=$(( so - ${ro:-0} )); ol=$(( so - ${oo:-0} ))
    [ "$nl" -gt "$nmax" ] && nmax=$nl
    [ "$ol" -gt "$omax" ] && omax=$ol
    if [ -z "$tend" ] && ! kill -0 "$bpid" 2>/dev/null; then tend=$(now); endoff=$so; fi
    if [ -n "$tend" ]; then
      [ -z "$ndone" ] && [ "${ro:-0}" -ge "$endoff" ] && ndone=$(echo "$(now) - $tend" | bc -l)
      [ -z "$odone" ] && [ "${oo:-0}" -ge "$endoff" ] && odone=$(echo "$(now) - $tend" | bc -l)
      [ -n "$ndone" ] && [ -n "$odone" ] && break
      if [ "$(echo "$(now) - $tend > 120" | bc -l)" = 1 ]; then
        echo "followers did not catch up within 120 s" >&2; break
      fi
    fi
    sleep 0.1
  done
  kill -TERM "$mpid"; wait "$mpid" || true
  echo
  echo "incremental: $(tr '\r' '\n' <"$WORK/bench.txt" | grep -i 'requests per second' | tail -n1)"
  printf '%-16s %14s %22s\n' follower max-lag-bytes applied-all-after-end
  printf '%-16s %14s %21.2fs\n' native-replica "$nmax" "${ndone:-nan}"
  printf '%-16s %14s %21.2fs\n' migrate "$omax" "${odone:-nan}"
  # migrate's applied offset comes from its status lines (every 100 ms, so up to ~0.1 s
  # old): its max lag is an upper bound. lag_ms as the engine measures it (heartbeat):
  echo "migrate lag_ms (heartbeat) max during the load: $(tail -n "+$from_line" "$WORK/istatus.jsonl" \
    | sed -n 's/.*"lag_ms":\([0-9]*\).*/\1/p' | sort -n | tail -n1)"
  stop_server "$spid"; stop_server "$rpid"; stop_server "$tpid"
fi
