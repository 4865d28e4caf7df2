#!/usr/bin/env bash
# The one test command: installs the real test servers (idempotent), then checks formatting,
# lints, builds the fuzz targets and runs every test of the workspace (unit, property,
# corpus replay, integration tests against real redis-server processes, doc tests).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-test-servers.sh >/dev/null

if ! command -v cargo >/dev/null 2>&1; then
  echo "cargo not found: install a Rust toolchain (rustup) first" >&2
  exit 1
fi

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy --all-targets -D warnings"
cargo clippy --workspace --all-targets --quiet -- -D warnings

echo "== fuzz targets build"
cargo build --quiet --manifest-path fuzz/Cargo.toml --bins

echo "== cargo test (workspace)"
# Integration tests start their own servers on free ports; two test threads keep a 2-core
# machine responsive.
# Benches are compiled by clippy --all-targets above; they are run by `cargo bench` and the
# comparison scripts, never as tests.
cargo test --workspace --lib --bins --tests --examples --release -- --test-threads="${TEST_THREADS:-2}"
echo "== doc tests"
cargo test --workspace --doc --release
