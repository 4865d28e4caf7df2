#!/usr/bin/env bash
# Side by side with the `rdb` crate 0.4.0 CLI on the same real dumps, printed as ratios:
#
#   rdb --format nil FILE          (the rdb crate: decodes every value, prints nothing)
#   rdb-dump --stats FILE          (ours: decodes every value, prints a summary)
#   rdb-dump FILE > /dev/null      (ours: decodes and renders every key as JSON)
#   rdb --format json FILE         (the rdb crate's JSON, for a JSON-to-JSON ratio)
#
# Datasets (generated once by a real Redis 7.0, cached in ~/.cache/redis-migrate/bench,
# never committed; see benches/gen/mod.rs): 2M small strings (~170 MB), collections
# (~100 MB), one 5M-element list (peak memory: ours must stay flat).
#
# Best wall and CPU (user+sys) time of $RUNS runs (default 5) and peak RSS, all from
# /usr/bin/time. Installs the rdb CLI with `cargo install rdb --version 0.4.0 --locked` into
# ~/.cache/redis-migrate/rdb-cli (override RDB_CLI_ROOT) the first time.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-5}
RDB_CLI_ROOT=${RDB_CLI_ROOT:-$HOME/.cache/redis-migrate/rdb-cli}
RDB_CLI="$RDB_CLI_ROOT/bin/rdb"
TARGET=${CARGO_TARGET_DIR:-target}

if [ ! -x "$RDB_CLI" ]; then
  echo "installing the rdb 0.4.0 CLI into $RDB_CLI_ROOT" >&2
  cargo install --quiet --locked --root "$RDB_CLI_ROOT" rdb --version 0.4.0
fi
if [ ! -x /usr/bin/time ]; then
  echo "/usr/bin/time not found (apt-get install time)" >&2
  exit 1
fi

cargo build --release --quiet --example rdb-dump --example gen-bench-rdb
DUMP="$TARGET/release/examples/rdb-dump"
declare -A FILE
while read -r name path; do FILE[$name]=$path; done < <("$TARGET/release/examples/gen-bench-rdb")

# measure CMD...: runs it $RUNS times; prints "best_wall_s best_cpu_s max_rss_kb" (CPU =
# user + system; on a busy machine the CPU time is the steadier figure).
measure() {
  local bw="" bc="" rss=0 s e t out u sy m
  out=$(mktemp)
  for _ in $(seq "$RUNS"); do
    s=$(date +%s%N)
    /usr/bin/time -f "%U %S %M" -o "$out" "$@" > /dev/null
    e=$(date +%s%N)
    t=$(( e - s ))
    read -r u sy m < "$out"
    if [ -z "$bw" ] || [ "$t" -lt "$bw" ]; then bw=$t; fi
    c=$(awk -v u="$u" -v s="$sy" 'BEGIN { printf "%d", (u + s) * 1000 }')
    if [ -z "$bc" ] || [ "$c" -lt "$bc" ]; then bc=$c; fi
    if [ "$m" -gt "$rss" ]; then rss=$m; fi
  done
  rm -f "$out"
  awk -v w="$bw" -v c="$bc" -v r="$rss" 'BEGIN { printf "%.3f %.2f %d\n", w / 1e9, c / 1000, r }'
}

printf '%-12s %7s | %-18s %7s %6s %7s %7s %7s %10s\n' dataset MB tool "wall s" "cpu s" "MB/s" "x wall" "x cpu" "peak RSS"
for name in strings collections biglist; do
  f=${FILE[$name]}
  mb=$(awk -v b="$(stat -c %s "$f")" 'BEGIN { printf "%.1f", b / 1e6 }')
  base_w="" base_c=""
  for tool in "rdb --format nil" "rdb-dump --stats" "rdb-dump (json)" "rdb --format json"; do
    case $tool in
      "rdb --format nil") cmd=("$RDB_CLI" --format nil "$f") ;;
      "rdb-dump --stats") cmd=("$DUMP" --stats "$f") ;;
      "rdb-dump (json)") cmd=("$DUMP" "$f") ;;
      "rdb --format json") cmd=("$RDB_CLI" --format json "$f") ;;
    esac
    read -r wall cpu kb < <(measure "${cmd[@]}")
    [ -z "$base_w" ] && base_w=$wall && base_c=$cpu
    awk -v n="$name" -v mb="$mb" -v t="$tool" -v w="$wall" -v c="$cpu" -v bw="$base_w" -v bc="$base_c" -v kb="$kb" \
      'BEGIN { printf "%-12s %7s | %-18s %7.3f %6.2f %7.0f %6.2fx %6.2fx %7d KB\n", n, mb, t, w, c, mb / w, bw / w, (c > 0 ? bc / c : 0), kb }'
    [ "$tool" = "rdb-dump (json)" ] && ours_json=$cpu
    [ "$tool" = "rdb --format json" ] && their_json=$cpu
  done
  awk -v a="$their_json" -v b="$ours_json" -v n="$name" \
    'BEGIN { if (b > 0) printf "%-12s JSON to JSON (cpu): rdb-dump is %.2fx the rdb crate\n", n, a / b }'
done
echo "x wall / x cpu = rdb --format nil time / tool time (higher is faster than the rdb crate)"
