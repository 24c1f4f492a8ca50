#!/usr/bin/env bash
# Fuzz the file parsers (CSV, XLSX, JSON through md2030_ingest::validate_file) with
# cargo-fuzz (libFuzzer, nightly toolchain). Each target runs SECONDS (default 600)
# from the committed seeds in fuzz/corpus/<target>/; findings land in
# fuzz/artifacts/<target>/. Leak detection is off: its one report (112 bytes in 3
# allocations, xlsx) did not reproduce on the input alone, the mark of a lazily
# initialised static counted against the input that first touched it.
#   bash tools/fuzz.sh [SECONDS] [TARGET…]
set -euo pipefail
seconds=${1:-600}
shift || true
targets=${*:-csv xlsx json}
here=$(cd "$(dirname "$0")/.." && pwd)
command -v cargo-fuzz > /dev/null || cargo install cargo-fuzz --locked
cd "$here/fuzz"
export CARGO_TARGET_DIR=${FUZZ_TARGET_DIR:-$HOME/.cache/md2030-fuzz-target}
for target in $targets; do
  work=$(mktemp -d)  # new inputs go here; the seeds stay as committed
  echo "== $target: $seconds s"
  cargo +nightly fuzz run "$target" "$work" "corpus/$target" -- \
    -max_total_time="$seconds" -max_len=262144 -rss_limit_mb=2048 -timeout=20 \
    -detect_leaks=0 2>&1 \
    | grep -E "^#[0-9]+.*(DONE|pulse)|Done [0-9]+ runs|ERROR|panicked|SUMMARY" | tail -5
  echo "   corpus grown to $(ls "$work" | wc -l) inputs"
  rm -rf "$work"
done
