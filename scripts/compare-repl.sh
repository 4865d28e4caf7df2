#!/usr/bin/env bash
# repl-client measurements (issue 4), on 127.0.0.1 only, with Debian's redis-server 7.0:
#
#  (a) lag under load: one master, a native `redis-server --replicaof` replica and our
#      client (`examples/replicate --no-commands`) side by side while `redis-benchmark -P 16`
#      writes. Sampled every 0.25 s from the master's own view (INFO replication: each
#      replica's acknowledged offset vs master_repl_offset; both ACK once a second), plus
#      the catch-up time after the load stops.
#  (b) RDB transfer of a ~500 MB snapshot (rdbcompression no): wall time and peak RSS of
#      `redis-cli --rdb FILE` versus our client (`replicate --rdb-only`, which also parses
#      every key with rdb-parser), both under /usr/bin/time -v.
#  (c) the criterion bench benches/repl_stream.rs (decode + hand-over throughput).
#
# Usage: scripts/compare-repl.sh [lag|rdb|bench|all]   (default: all)
# Env: REQUESTS (default 2000000), RDB_KEYS (default 500000), RDB_VALUE (default 1000).
set -euo pipefail
cd "$(dirname "$0")/.."

WHAT="${1:-all}"
REQUESTS="${REQUESTS:-2000000}"
RDB_KEYS="${RDB_KEYS:-500000}"
RDB_VALUE="${RDB_VALUE:-1000}"
SERVER=/usr/bin/redis-server
CLI=/usr/bin/redis-cli
BENCH=/usr/bin/redis-benchmark
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
WORK="$(mktemp -d /tmp/compare-repl.XXXXXX)"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

start_server() { # port dir extra-args...
  local port=$1 dir=$2; shift 2
  mkdir -p "$dir"
  "$SERVER" --port "$port" --bind 127.0.0.1 --dir "$dir" --save "" --appendonly no \
    --protected-mode no --logfile "$dir/log" "$@" &
  PIDS+=($!)
  for _ in $(seq 100); do
    "$CLI" -p "$port" ping >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "server on $port did not start" >&2; exit 1
}

info() { "$CLI" -p "$1" info replication | tr -d '\r'; }

echo "== building examples/replicate (release)"
cargo build --release --quiet --example replicate
REPLICATE="$CARGO_TARGET_DIR/release/examples/replicate"

lag() {
  local mp rp
  mp=$(free_port); rp=$(free_port)
  start_server "$mp" "$WORK/master" --repl-diskless-sync-delay 0 --repl-backlog-size 64mb
  start_server "$rp" "$WORK/replica" --replicaof 127.0.0.1 "$mp"
  "$REPLICATE" --source "redis://127.0.0.1:$mp" --no-commands >"$WORK/ours.jsonl" &
  local ours=$!
  PIDS+=("$ours")
  for _ in $(seq 100); do
    [ "$(info "$mp" | grep -c 'state=online')" = 2 ] && break
    sleep 0.1
  done
  echo "== (a) lag under redis-benchmark -P 16 -n $REQUESTS (SET/INCR/LPUSH, 100k keys)"
  "$BENCH" -p "$mp" -P 16 -n "$REQUESTS" -r 100000 -t set,incr,lpush -q >"$WORK/bench.txt" 2>&1 &
  local bench=$!
  : >"$WORK/samples"
  while kill -0 "$bench" 2>/dev/null; do
    info "$mp" | awk -F'[:,=]' -v rp="$rp" '
      /^master_repl_offset:/ { m = $2 }
      /^slave[0-9]+:/ { for (i = 2; i < NF; i++) { if ($i == "port") p = $(i+1); if ($i == "offset") o = $(i+1) }
                        if (p == rp) native = o; else ours = o }
      END { print m, m - native, m - ours }' >>"$WORK/samples"
    sleep 0.25
  done
  wait "$bench" || true
  local t0 end
  t0=$(date +%s.%N)
  end=$(info "$mp" | awk -F: '/^master_repl_offset:/ {print $2}')
  local native_done="" ours_done=""
  for _ in $(seq 600); do
    local now line
    now=$(date +%s.%N)
    line=$(info "$mp")
    if [ -z "$native_done" ] && echo "$line" | grep -q "port=$rp,state=online,offset=$end,"; then
      native_done=$(awk -v a="$now" -v b="$t0" 'BEGIN { printf "%.2f", a - b }')
    fi
    if [ -z "$ours_done" ] && echo "$line" | grep -v "port=$rp," | grep -q "state=online,offset=$end,"; then
      ours_done=$(awk -v a="$now" -v b="$t0" 'BEGIN { printf "%.2f", a - b }')
    fi
    [ -n "$native_done" ] && [ -n "$ours_done" ] && break
    sleep 0.05
  done
  grep -v '^$' "$WORK/bench.txt" | tr '\r' '\n' | grep -E 'requests per second' | sed 's/^/    benchmark: /' || true
  awk '{ n++; sn += $2; so += $3; if ($2 > mn) mn = $2; if ($3 > mo) mo = $3 }
       END { if (n == 0) { print "    no samples"; exit }
             printf "    samples: %d (every 0.25 s, master view = acknowledged offsets)\n", n
             printf "    native replica lag: mean %.0f bytes, max %.0f bytes\n", sn / n, mn
             printf "    repl-client    lag: mean %.0f bytes, max %.0f bytes\n", so / n, mo }' "$WORK/samples"
  echo "    caught up with the final offset $end after the load: native ${native_done:-never (60 s)} s, repl-client ${ours_done:-never (60 s)} s"
  echo "    master: sync_full=$("$CLI" -p "$mp" info stats | tr -d '\r' | awk -F: '/^sync_full:/ {print $2}') (2 = one per replica: no replica was dropped)"
  kill "$ours" 2>/dev/null || true
  "$CLI" -p "$mp" shutdown nosave >/dev/null 2>&1 || true
  "$CLI" -p "$rp" shutdown nosave >/dev/null 2>&1 || true
}

rdb() {
  local mp
  mp=$(free_port)
  start_server "$mp" "$WORK/rdbmaster" --repl-diskless-sync-delay 0 --rdbcompression no \
    --enable-debug-command yes
  echo "== (b) RDB transfer: DEBUG POPULATE $RDB_KEYS keys x $RDB_VALUE bytes, rdbcompression no"
  "$CLI" -p "$mp" debug populate "$RDB_KEYS" key "$RDB_VALUE" >/dev/null
  "$CLI" -p "$mp" config set repl-diskless-sync yes >/dev/null
  /usr/bin/time -v "$CLI" -p "$mp" --rdb "$WORK/cli.rdb" >"$WORK/cli.out" 2>"$WORK/cli.time"
  local size
  size=$(stat -c %s "$WORK/cli.rdb")
  rm -f "$WORK/cli.rdb"
  /usr/bin/time -v "$REPLICATE" --source "redis://127.0.0.1:$mp" --rdb-only >"$WORK/ours.rdb.jsonl" 2>"$WORK/ours.time"
  local wall_cli wall_ours rss_cli rss_ours
  wall_cli=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$WORK/cli.time")
  wall_ours=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$WORK/ours.time")
  rss_cli=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$WORK/cli.time")
  rss_ours=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$WORK/ours.time")
  echo "    RDB size: $size bytes ($((size / 1048576)) MiB)"
  echo "    redis-cli --rdb FILE:          wall $wall_cli, peak RSS $((rss_cli / 1024)) MiB"
  echo "    replicate --rdb-only (+parse): wall $wall_ours, peak RSS $((rss_ours / 1024)) MiB"
  echo "    ours: $(grep rdb_done "$WORK/ours.rdb.jsonl")"
  "$CLI" -p "$mp" shutdown nosave >/dev/null 2>&1 || true
}

bench() {
  echo "== (c) criterion: benches/repl_stream.rs"
  cargo bench --quiet --bench repl_stream 2>&1 | grep -E '^repl_stream|thrpt|^stream'
}

case "$WHAT" in
  lag) lag ;;
  rdb) rdb ;;
  bench) bench ;;
  all) lag; rdb; bench ;;
  *) echo "usage: $0 [lag|rdb|bench|all]" >&2; exit 2 ;;
esac
