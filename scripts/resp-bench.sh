#!/usr/bin/env bash
# Runs benches/resp_codec.rs (resp-codec vs redis-protocol 6) and prints the ratios the
# project tracks (issue 3): resp-codec speed-up over redis-protocol on every input, and
# chunked-vs-whole slowdown of each codec on the 100k-element array.
#
#   scripts/resp-bench.sh            # criterion, short runs (wall clock)
#   scripts/resp-bench.sh --icount   # instructions per run under valgrind/callgrind:
#                                    # deterministic, for loaded machines
#
# Extra arguments after the mode go to criterion (e.g. --measurement-time 10).
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
mode="${1:-}"
[[ "$mode" == "--icount" ]] && shift

cases=(
  decode_small_commands decode_1k_bulks decode_100k_array
)

ratio() { python3 -c "import sys; a,b=float(sys.argv[1]),float(sys.argv[2]); print(f'{a/b:.2f}x')" "$1" "$2"; }

if [[ "$mode" == "--icount" ]]; then
  command -v valgrind >/dev/null || { echo "valgrind is needed for --icount" >&2; exit 1; }
  bin=$(cargo bench --bench resp_codec --no-run --message-format=json 2>/dev/null |
    python3 -c "import sys,json
for l in sys.stdin:
    m=json.loads(l)
    if m.get('reason')=='compiler-artifact' and m['target']['name']=='resp_codec' and m.get('executable'): print(m['executable'])" | tail -1)
  icount() { # case iters -> instructions per iteration (setup subtracted)
    local run base
    run=$(RESP_BENCH_CASE="$1" RESP_BENCH_ITERS="$2" valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" 2>&1 | grep -oP 'Collected : \K[0-9]+')
    base=$(RESP_BENCH_DRY=1 RESP_BENCH_CASE="$1" RESP_BENCH_ITERS="$2" valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" 2>&1 | grep -oP 'Collected : \K[0-9]+')
    echo $(( (run - base) / $2 ))
  }
  declare -A ic
  for g in "${cases[@]}"; do
    for impl in resp-codec redis-protocol; do
      for m in whole chunked_4k; do
        iters=3; [[ "$g/$impl/$m" == decode_100k_array/redis-protocol/chunked_4k ]] && iters=1
        ic[$g/$impl/$m]=$(icount "$g/$impl/$m" $iters)
        printf '%-45s %14s instructions\n' "$g/$impl/$m" "${ic[$g/$impl/$m]}"
      done
    done
  done
  for impl in resp-codec redis-protocol; do
    ic[encode/$impl]=$(icount "encode_pipelined_commands/$impl" 3)
    printf '%-45s %14s instructions\n' "encode_pipelined_commands/$impl" "${ic[encode/$impl]}"
  done
  echo
  echo "resp-codec speed-up over redis-protocol (instruction counts):"
  for g in "${cases[@]}"; do
    for m in whole chunked_4k; do
      printf '  %-35s %s\n' "$g/$m" "$(ratio "${ic[$g/redis-protocol/$m]}" "${ic[$g/resp-codec/$m]}")"
    done
  done
  printf '  %-35s %s\n' "encode_pipelined_commands" "$(ratio "${ic[encode/redis-protocol]}" "${ic[encode/resp-codec]}")"
  echo "chunked (4 KiB) / whole on the 100k array:"
  for impl in resp-codec redis-protocol; do
    printf '  %-35s %s\n' "$impl" "$(ratio "${ic[decode_100k_array/$impl/chunked_4k]}" "${ic[decode_100k_array/$impl/whole]}")"
  done
  exit 0
fi

args=("$@")
[[ ${#args[@]} -eq 0 ]] && args=(--warm-up-time 1 --measurement-time 3)
cargo bench --bench resp_codec -- "${args[@]}"

python3 - "$target/criterion" <<'PY'
import json, os, sys
root = sys.argv[1]
def mean(group, bench):
    p = os.path.join(root, group, bench.replace("/", "_"), "new", "estimates.json")
    return json.load(open(p))["mean"]["point_estimate"]  # ns
def fmt(ns):
    return f"{ns/1e6:9.3f} ms" if ns >= 1e5 else f"{ns/1e3:9.1f} us"
print()
print(f"{'input':28} {'impl':16} {'whole':>12} {'chunked_4k':>12} {'chunked/whole':>14}")
for g in ["decode_small_commands", "decode_1k_bulks", "decode_100k_array"]:
    for impl in ["resp-codec", "redis-protocol"]:
        w, c = mean(g, f"{impl}/whole"), mean(g, f"{impl}/chunked_4k")
        print(f"{g:28} {impl:16} {fmt(w):>12} {fmt(c):>12} {c/w:13.2f}x")
print()
print("resp-codec speed-up over redis-protocol (wall clock, criterion means):")
for g in ["decode_small_commands", "decode_1k_bulks", "decode_100k_array"]:
    for m in ["whole", "chunked_4k"]:
        r = mean(g, f"redis-protocol/{m}") / mean(g, f"resp-codec/{m}")
        print(f"  {g + '/' + m:35} {r:6.2f}x")
e = mean("encode_pipelined_commands", "redis-protocol") / mean("encode_pipelined_commands", "resp-codec")
print(f"  {'encode_pipelined_commands':35} {e:6.2f}x")
PY
