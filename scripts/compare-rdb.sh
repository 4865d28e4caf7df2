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
# Wall time: best of $RUNS (default 5). Peak memory: /usr/bin/time -v "Maximum resident set
# size". Installs the rdb CLI with `cargo install rdb --version 0.4.0 --locked` into
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

# best_secs CMD...: the best wall time of $RUNS runs, in seconds (output discarded).
best_secs() {
  local best="" s e t
  for _ in $(seq "$RUNS"); do
    s=$(date +%s%N)
    "$@" > /dev/null
    e=$(date +%s%N)
    t=$(( e - s ))
    if [ -z "$best" ] || [ "$t" -lt "$best" ]; then best=$t; fi
  done
  awk -v ns="$best" 'BEGIN { printf "%.3f", ns / 1e9 }'
}

# peak_kb CMD...: maximum resident set size in KB.
peak_kb() {
  /usr/bin/time -v "$@" 2>&1 >/dev/null | awk -F: '/Maximum resident set size/ { gsub(/ /, "", $2); print $2 }'
}

printf '%-12s %8s | %-22s %8s %9s %8s %10s\n' dataset MB tool seconds "MB/s" ratio "peak RSS"
for name in strings collections biglist; do
  f=${FILE[$name]}
  mb=$(awk -v b="$(stat -c %s "$f")" 'BEGIN { printf "%.1f", b / 1e6 }')
  base=""
  for tool in "rdb --format nil" "rdb-dump --stats" "rdb-dump (json)" "rdb --format json"; do
    case $tool in
      "rdb --format nil") cmd=("$RDB_CLI" --format nil "$f") ;;
      "rdb-dump --stats") cmd=("$DUMP" --stats "$f") ;;
      "rdb-dump (json)") cmd=("$DUMP" "$f") ;;
      "rdb --format json") cmd=("$RDB_CLI" --format json "$f") ;;
    esac
    secs=$(best_secs "${cmd[@]}")
    kb=$(peak_kb "${cmd[@]}")
    mbs=$(awk -v mb="$mb" -v s="$secs" 'BEGIN { printf "%.0f", mb / s }')
    [ -z "$base" ] && base=$secs
    ratio=$(awk -v b="$base" -v s="$secs" 'BEGIN { printf "%.2fx", b / s }')
    printf '%-12s %8s | %-22s %8s %9s %8s %8s KB\n' "$name" "$mb" "$tool" "$secs" "$mbs" "$ratio" "$kb"
    [ "$tool" = "rdb-dump (json)" ] && ours_json=$secs
    [ "$tool" = "rdb --format json" ] && their_json=$secs
  done
  awk -v a="$their_json" -v b="$ours_json" -v n="$name" \
    'BEGIN { printf "%-12s JSON to JSON: rdb-dump is %.2fx the rdb crate\n", n, a / b }'
done
echo "ratio = rdb crate CLI time / tool time (higher is faster than the rdb crate)"
