#!/usr/bin/env bash
# Ingest benchmark: md2030 validating and storing a service_transactions CSV vs Python
# polars read_csv + write_parquet of the same file, in one run. Prints wall time,
# rows per second and peak memory (max RSS) for both.
#   bash tools/bench/ingest.sh DIR   (DIR holds procedures.csv and service_transactions.csv)
set -euo pipefail
dir=${1:?usage: ingest.sh DIR}
here=$(cd "$(dirname "$0")/../.." && pwd)
target=${CARGO_TARGET_DIR:-$HOME/.cache/md2030-target}
(cd "$here" && CARGO_TARGET_DIR=$target cargo build --release --bin md2030 -q)
bin=$target/release/md2030
rows=$(($(wc -l < "$dir/service_transactions.csv") - 1))
store=$(mktemp -d)
"$bin" --data-dir "$store" --lang en ingest procedures "$dir/procedures.csv" > /dev/null
measure() { /usr/bin/time -f "%e %M" "$@" 2>&1 >/dev/null | tail -1; }
read -r md_s md_kb < <(measure "$bin" --data-dir "$store" --lang en ingest service_transactions "$dir/service_transactions.csv")
python3 -c "import polars" 2>/dev/null || pip install -q polars
read -r pl_s pl_kb < <(measure python3 -c "
import polars as pl, sys
pl.read_csv(sys.argv[1]).write_parquet(sys.argv[2], compression='zstd')" "$dir/service_transactions.csv" "$store/polars.parquet")
awk -v r="$rows" -v a="$md_s" -v am="$md_kb" -v b="$pl_s" -v bm="$pl_kb" 'BEGIN {
  printf "rows: %d\n", r
  printf "md2030 ingest (validate every cell + store): %.2f s, %.0f rows/s, peak %.0f MB\n", a, r/a, am/1024
  printf "polars read_csv + write_parquet:            %.2f s, %.0f rows/s, peak %.0f MB\n", b, r/b, bm/1024
  printf "ratio md2030/polars (time): %.2f\n", a/b }'
rm -rf "$store"
