#!/usr/bin/env bash
# Measures `examples/verify --mode full` on dataset B of the migration benchmark:
# 1M mixed keys (strings of 64 bytes, 10-field hashes, 20-element lists / sets / zsets,
# 10% with a TTL), on two Redis 7.0 servers holding the same data.
#
# Prints keys/s and the verifier's peak RSS (/usr/bin/time -v).
#
#   bash scripts/bench-verify.sh            # 1M keys, 4 connections
#   KEYS=200000 CONNECTIONS=2 bash scripts/bench-verify.sh
#   EXTRA="--rate 50000" bash scripts/bench-verify.sh
#   BIG_KEYS=1 KEYS=0 bash scripts/bench-verify.sh   # only big values: memory must stay flat
set -euo pipefail
cd "$(dirname "$0")/.."

KEYS="${KEYS:-1000000}"
CONNECTIONS="${CONNECTIONS:-4}"
RUNS="${RUNS:-3}"
EXTRA="${EXTRA:-}"
BIG_KEYS="${BIG_KEYS:-0}"
SERVER="${REDIS_SERVER_7_0:-/usr/bin/redis-server}"
CLI="${REDIS_CLI:-/usr/bin/redis-cli}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}"

for bin in "$SERVER" "$CLI" /usr/bin/time; do
  [ -x "$bin" ] || { echo "missing $bin" >&2; exit 2; }
done

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

WORK="$(mktemp -d)"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

start_server() {
  local port="$1" dir="$WORK/$1"
  mkdir -p "$dir"
  "$SERVER" --port "$port" --bind 127.0.0.1 --dir "$dir" --save "" --appendonly no \
    --daemonize no --logfile "$dir/redis.log" --protected-mode no &
  PIDS+=($!)
  for _ in $(seq 100); do
    "$CLI" -p "$port" PING >/dev/null 2>&1 && return 0
    sleep 0.05
  done
  echo "server on $port did not start" >&2
  exit 2
}

# Dataset B, written server-side by a Lua script in batches (deterministic: both servers
# get byte-identical data; expiries are absolute, so both sides expire at the same moment).
FILL='
local s, e = tonumber(ARGV[1]), tonumber(ARGV[2])
for i = s, e do
  local k = string.format("key:%012d", i)
  local t = i % 5
  if t == 0 then
    redis.call("SET", k, string.format("%064d", i))
  elseif t == 1 then
    redis.call("HSET", k, "f0", i, "f1", "v1", "f2", "v2", "f3", "v3", "f4", "v4",
      "f5", "v5", "f6", "v6", "f7", "v7", "f8", "v8", "f9", "v9")
  elseif t == 2 then
    redis.call("RPUSH", k, "e0", "e1", "e2", "e3", "e4", "e5", "e6", "e7", "e8", "e9",
      "e10", "e11", "e12", "e13", "e14", "e15", "e16", "e17", "e18", i)
  elseif t == 3 then
    redis.call("SADD", k, "m0", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "m9",
      "m10", "m11", "m12", "m13", "m14", "m15", "m16", "m17", "m18", i)
  else
    local args = {}
    for j = 0, 19 do
      args[#args + 1] = j * 1.25 + i / 7
      args[#args + 1] = "z" .. j
    end
    redis.call("ZADD", k, unpack(args))
  end
  if i % 10 == 7 then
    redis.call("PEXPIREAT", k, ARGV[3])
  end
end
return e - s + 1
'

EXPIRE_AT=$(( $(date +%s) * 1000 + 36000000 ))
fill() {
  local port="$1" step=20000 s=0
  while [ "$s" -lt "$KEYS" ]; do
    local e=$(( s + step - 1 ))
    [ "$e" -ge "$KEYS" ] && e=$(( KEYS - 1 ))
    "$CLI" -p "$port" EVAL "$FILL" 0 "$s" "$e" "$EXPIRE_AT" >/dev/null
    s=$(( e + 1 ))
  done
}

# Big values (BIG_KEYS=1): a 200 MiB string, a 2M-element list, 1M-member set, hash and
# zset, a 200k-entry stream with a group and pending entries.
BIG='
local k = KEYS[1]
local what = ARGV[1]
if what == "string" then
  redis.call("SETRANGE", k, 209715199, "x")
  return 1
end
local batch = {}
for b = 0, tonumber(ARGV[2]) - 1 do
  batch = {}
  for j = 1, 1000 do
    local n = b * 1000 + j
    if what == "list" or what == "set" then
      batch[#batch + 1] = "element-" .. n
    elseif what == "hash" then
      batch[#batch + 1] = "field-" .. n
      batch[#batch + 1] = "value-" .. n
    elseif what == "zset" then
      batch[#batch + 1] = n / 3
      batch[#batch + 1] = "member-" .. n
    end
  end
  if what == "list" then redis.call("RPUSH", k, unpack(batch))
  elseif what == "set" then redis.call("SADD", k, unpack(batch))
  elseif what == "hash" then redis.call("HSET", k, unpack(batch))
  elseif what == "zset" then redis.call("ZADD", k, unpack(batch))
  elseif what == "stream" then
    for j = 1, 1000 do
      redis.call("XADD", k, "1-" .. (b * 1000 + j), "f", "v" .. j)
    end
  end
end
if what == "stream" then
  redis.call("XGROUP", "CREATE", k, "g", "0")
  redis.call("XREADGROUP", "GROUP", "g", "c", "COUNT", 50000, "STREAMS", k, ">")
end
return 1
'
fill_big() {
  local port="$1"
  "$CLI" -p "$port" EVAL "$BIG" 1 big:string string 0 >/dev/null
  "$CLI" -p "$port" EVAL "$BIG" 1 big:list list 2000 >/dev/null
  "$CLI" -p "$port" EVAL "$BIG" 1 big:set set 1000 >/dev/null
  "$CLI" -p "$port" EVAL "$BIG" 1 big:hash hash 1000 >/dev/null
  "$CLI" -p "$port" EVAL "$BIG" 1 big:zset zset 1000 >/dev/null
  "$CLI" -p "$port" EVAL "$BIG" 1 big:stream stream 200 >/dev/null
}

echo "== building examples/verify (release)"
cargo build --release --example verify --quiet
VERIFY="$CARGO_TARGET_DIR/release/examples/verify"

SRC=$(free_port); start_server "$SRC"
TGT=$(free_port); start_server "$TGT"
echo "== filling dataset B ($KEYS keys) on 127.0.0.1:$SRC and 127.0.0.1:$TGT"
t0=$(date +%s.%N)
fill "$SRC" & f1=$!
fill "$TGT" & f2=$!
wait "$f1" "$f2"
if [ "$BIG_KEYS" = 1 ]; then
  echo "== adding big values"
  fill_big "$SRC" & f1=$!
  fill_big "$TGT" & f2=$!
  wait "$f1" "$f2"
fi
t1=$(date +%s.%N)
printf "filled in %.1f s; source: %s\n" "$(echo "$t1 - $t0" | bc)" \
  "$("$CLI" -p "$SRC" INFO keyspace | grep '^db0')"

server_cpu() { # user+sys seconds of the server's main thread
  "$CLI" -p "$1" INFO cpu | tr -d '\r' | awk -F: '/used_cpu_(user|sys):/ {s += $2} END {printf "%.3f", s}'
}

echo "== load average before the runs: $(cut -d' ' -f1-3 /proc/loadavg)"
for run in $(seq "$RUNS"); do
  out="$WORK/report-$run.json"
  s0=$(server_cpu "$SRC"); t0=$(server_cpu "$TGT")
  /usr/bin/time -v -o "$WORK/time-$run.txt" "$VERIFY" \
    --source "redis://127.0.0.1:$SRC" --target "redis://127.0.0.1:$TGT" \
    --mode full --rounds 1 --connections "$CONNECTIONS" --json $EXTRA >"$out" || {
    code=$?
    echo "verify exited with $code" >&2
    head -c 2000 "$out" >&2
    exit 2
  }
  s1=$(server_cpu "$SRC"); t1=$(server_cpu "$TGT")
  python3 - "$out" "$WORK/time-$run.txt" "$run" "$s0" "$s1" "$t0" "$t1" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
t = {l.split(":", 1)[0].strip(): l.split(":", 1)[1].strip() for l in open(sys.argv[2]) if ":" in l}
rss = int(t["Maximum resident set size (kbytes)"])
ours = float(t["User time (seconds)"]) + float(t["System time (seconds)"])
src = float(sys.argv[5]) - float(sys.argv[4])
tgt = float(sys.argv[7]) - float(sys.argv[6])
n = max(r["keys_checked"], 1)
secs = r["elapsed_ms"] / 1000
us = lambda c: c / n * 1e6
print(f"run {sys.argv[3]}: equal={r['equal']} keys_checked={n} target_keys_scanned={r['target_keys_scanned']} "
      f"elapsed={secs:.2f}s keys/s={n / secs:,.0f} peak_rss={rss / 1024:.1f} MiB")
print(f"        cpu per key: source redis {us(src):.2f} us, target redis {us(tgt):.2f} us, "
      f"verifier {us(ours):.2f} us; on 2 idle cores at most "
      f"{min(1e6 / max(us(src), us(tgt)), 2e6 / (us(src) + us(tgt) + us(ours))):,.0f} keys/s")
PY
done
echo "== load average after the runs: $(cut -d' ' -f1-3 /proc/loadavg)"
