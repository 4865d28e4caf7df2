#!/usr/bin/env bash
# redis-migrate end-to-end demo on two throwaway local Redis 7.0 servers:
#
#   1. installs what it needs (scripts/install-test-servers.sh) and builds the release
#      `migrate` and `verify` examples;
#   2. starts a source and a target redis-server on free ports in a temp dir (both are
#      killed and the dir removed on exit);
#   3. fills the source with a mixed dataset: every type (string, list, set, zset, hash,
#      stream with a consumer group and pending entries, HyperLogLog, bitmap, geo), TTLs,
#      dbs 0, 1 and 15, plus DEMO_KEYS bulk keys;
#   4. runs `migrate --mode sync --status-json` in the background while a writer keeps
#      modifying the source (SET/INCR/LPUSH/HSET/DEL/EXPIRE/MULTI-EXEC in several dbs);
#   5. waits until the status says caught up, stops the writer, waits until everything
#      written is applied and caught up again, stops the migrator with SIGTERM (drain +
#      checkpoint, exit 0);
#   6. runs `verify --mode full` (type, value and TTL of every key, both ways) and prints
#      its report. Exits non-zero if anything differs or any step fails.
#
# Usage: bash scripts/demo.sh            (DEMO_KEYS=200000 for a bigger bulk; default 50000)
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DEMO_KEYS="${DEMO_KEYS:-50000}"
TIMEOUT="${DEMO_TIMEOUT:-180}"

say() { printf '\n\033[1m== %s\033[0m\n' "$*" >&2; }
die() { printf 'demo: FAILED: %s\n' "$*" >&2; exit 1; }

say "installing test servers (idempotent) and building the release examples"
bash "$ROOT/scripts/install-test-servers.sh" >/dev/null
(cd "$ROOT" && cargo build --release --quiet --example migrate --example verify)
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
MIGRATE="$TARGET_DIR/release/examples/migrate"
VERIFY="$TARGET_DIR/release/examples/verify"
[ -x "$MIGRATE" ] && [ -x "$VERIFY" ] || die "built examples not found in $TARGET_DIR"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/redis-migrate-demo.XXXXXX")"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  local p
  for _ in $(seq 1 100); do
    p=$(( 20000 + RANDOM % 40000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return 0; fi
  done
  die "no free port"
}

start_server() { # name port
  mkdir -p "$WORK/$1"
  /usr/bin/redis-server --bind 127.0.0.1 --port "$2" --dir "$WORK/$1" --save '' \
    --appendonly no --logfile "$WORK/$1/redis.log" --daemonize no &
  PIDS+=($!)
  for _ in $(seq 1 100); do
    redis-cli -p "$2" ping >/dev/null 2>&1 && return 0
    sleep 0.05
  done
  die "redis-server $1 on port $2 did not start (see $WORK/$1/redis.log)"
}

SRC_PORT=$(free_port); start_server source "$SRC_PORT"
DST_PORT=$(free_port); start_server target "$DST_PORT"
SRC="redis://127.0.0.1:$SRC_PORT"
DST="redis://127.0.0.1:$DST_PORT"
src() { redis-cli -p "$SRC_PORT" "$@"; }
say "source $SRC, target $DST (Redis $(src info server | sed -n 's/^redis_version:\([0-9.]*\).*/\1/p'))"

say "filling the source: every type, TTLs, dbs 0/1/15, $DEMO_KEYS bulk keys"
{
  for db in 0 1 15; do
    cat <<EOF
SELECT $db
SET str:plain "hello from db $db"
SET str:int 12345
SET str:ttl "expires later" EX 3600
SET "bin:key\x00\xff" "binary\x01value"
RPUSH list:small a b c d e
HSET hash:user name alice age 42 city paris
SADD set:tags red green blue 1 2 3
ZADD zset:scores 1.5 a 2.25 b -3 c 1e10 d
XADD stream:events 1-1 type login user alice
XADD stream:events 2-1 type click page home
XADD stream:events * type logout user alice
XGROUP CREATE stream:events readers 0
XREADGROUP GROUP readers c1 COUNT 2 STREAMS stream:events >
PFADD hll:visitors u1 u2 u3 u4 u5
SETBIT bitmap:days 7 1
SETBIT bitmap:days 100 1
GEOADD geo:cities 2.35 48.85 paris 13.40 52.52 berlin
HSET hash:ttl f v
PEXPIRE hash:ttl 7200000
EOF
  done
} | src >/dev/null
# A big list and a bulk of keys (RESP through redis-cli --pipe), some with TTLs.
awk -v n="$DEMO_KEYS" 'function cmd(a, k, i, s) { s = "*" k "\r\n"; for (i = 1; i <= k; i++) s = s "$" length(a[i]) "\r\n" a[i] "\r\n"; printf "%s", s }
BEGIN {
  a[1] = "SELECT"; a[2] = "0"; cmd(a, 2)
  for (i = 0; i < n; i++) {
    if (i % 10 == 0) { a[1] = "SET"; a[2] = "bulk:" i; a[3] = "value-" i; a[4] = "EX"; a[5] = 3600 + i % 100; cmd(a, 5) }
    else if (i % 10 == 1) { a[1] = "HSET"; a[2] = "bulkh:" i; a[3] = "f1"; a[4] = i; a[5] = "f2"; a[6] = "x"; cmd(a, 6) }
    else { a[1] = "SET"; a[2] = "bulk:" i; a[3] = "value-" i; cmd(a, 3) }
  }
  for (i = 0; i < 100000; i += 500) {
    s = "*502\r\n$5\r\nRPUSH\r\n$8\r\nlist:big\r\n"
    for (j = i; j < i + 500; j++) s = s "$" length("e" j) "\r\ne" j "\r\n"
    printf "%s", s
  }
}' | src --pipe >/dev/null
for db in 0 1 15; do printf 'db%-2s %s keys\n' "$db" "$(src -n "$db" dbsize)" >&2; done

say "starting: migrate --mode sync --status-json (in the background)"
"$MIGRATE" --source "$SRC" --target "$DST" --mode sync --status-json \
  --checkpoint-file "$WORK/checkpoint" >"$WORK/status.jsonl" 2>"$WORK/migrate.log" &
MIG_PID=$!
PIDS+=("$MIG_PID")

say "a writer keeps modifying the source (dbs 0, 1, 15; MULTI/EXEC; expiries; deletes)"
(
  i=0
  while :; do
    i=$((i + 1))
    {
      echo "SELECT $(( i % 2 == 0 ? 0 : 1 ))"
      echo "INCR counter:writes"
      echo "SET live:$((i % 500)) v$i"
      echo "LPUSH list:live $i"
      echo "LTRIM list:live 0 99"
      echo "HSET hash:live f$((i % 20)) $i"
      echo "SET tmp:$i x EX 30"
      echo "DEL live:$(((i + 250) % 500))"
      echo "SELECT 15"
      echo "MULTI"; echo "INCRBY tx:total 2"; echo "SADD tx:set m$((i % 50))"; echo "EXEC"
      echo "EXPIRE live:$((i % 500)) 600"
      echo "ZINCRBY zset:live 1.5 m$((i % 10))"
    } | redis-cli -p "$SRC_PORT" >/dev/null 2>&1 || true
    sleep 0.02
  done
) &
WRITER_PID=$!
PIDS+=("$WRITER_PID")

last_status() { tail -n 1 "$WORK/status.jsonl" 2>/dev/null || true; }
field() { last_status | sed -n "s/.*\"$1\":\([^,}]*\).*/\1/p"; }
alive() { kill -0 "$MIG_PID" 2>/dev/null || { cat "$WORK/migrate.log" >&2; die "migrate exited early"; }; }

wait_caught_up() { # [min applied offset]
  local need="${1:-0}" t0=$SECONDS applied
  while :; do
    alive
    applied=$(field applied_offset)
    if [ "$(field caught_up)" = "true" ] && [ "${applied:-null}" != null ] && [ "$applied" -ge "$need" ]; then
      return 0
    fi
    [ $((SECONDS - t0)) -lt "$TIMEOUT" ] || { last_status >&2; die "not caught up after ${TIMEOUT}s"; }
    sleep 0.5
  done
}

wait_caught_up
say "caught up while writes go on: $(field keys_written) keys copied, $(field commands_applied) commands applied, lag $(field lag_ms) ms"
sleep 3
kill "$WRITER_PID"; wait "$WRITER_PID" 2>/dev/null || true
STOP_OFFSET=$(src info replication | sed -n 's/^master_repl_offset:\([0-9]*\).*/\1/p')
say "writes stopped at source offset $STOP_OFFSET; waiting until applied and caught up"
wait_caught_up "$STOP_OFFSET"
say "caught up: applied offset $(field applied_offset), lag $(field lag_ms) ms, $(field commands_applied) commands applied"

say "stopping the migrator with SIGTERM (drain, checkpoint)"
kill -TERM "$MIG_PID"
rc=0; wait "$MIG_PID" || rc=$?
cat "$WORK/migrate.log" | grep -v '^migrate: \[' >&2 || true
[ "$rc" -eq 0 ] || die "migrate exited with $rc"
echo "final status: $(last_status)" >&2
echo "checkpoint file: $(cat "$WORK/checkpoint" 2>/dev/null | tr '\n' ' ')" >&2

# The heartbeat key lives only on the source (never migrated, expires by itself).
src del redis-migrate:heartbeat >/dev/null

say "verify --mode full (type, value and TTL of every key, both ways)"
vrc=0
"$VERIFY" --source "$SRC" --target "$DST" --mode full || vrc=$?
if [ "$vrc" -ne 0 ]; then die "verify reported differences (exit $vrc)"; fi
say "demo passed: the target is an exact copy of the source"
