#!/usr/bin/env bash
# Ingest benchmark: md2030 validating and storing a service_transactions CSV vs Python
# polars read_csv + write_parquet of the same file, interleaved run by run so that both
# see the same machine. For each run it prints:
#   validation  `md2030 ingest --dry-run` (every cell checked, nothing stored)
#   ingest      the whole `md2030 ingest`: validate, store, recompute the indicators
#               the file changes; split into recompute (the "in N ms" it prints) and
#               validation + storage (the rest)
#   polars      read_csv + write_parquet (zstd)
# with wall time, rows per second, peak memory (max RSS) and the md2030/polars ratio.
#   bash tools/bench/ingest.sh DIR [RUNS]   (DIR holds procedures.csv and
#   service_transactions.csv; RUNS defaults to 3)
set -euo pipefail
dir=${1:?usage: ingest.sh DIR [RUNS]}
runs=${2:-3}
here=$(cd "$(dirname "$0")/../.." && pwd)
target=${CARGO_TARGET_DIR:-$HOME/.cache/md2030-target}
(cd "$here" && CARGO_TARGET_DIR=$target cargo build --release --bin md2030 -q)
bin=$target/release/md2030
python3 -c "import polars" 2>/dev/null || pip install -q polars
rows=$(($(wc -l < "$dir/service_transactions.csv") - 1))
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Runs a command; prints "seconds peak_kB" on the last line of $work/time and keeps
# its standard output in $work/out.
measure() { /usr/bin/time -o "$work/time" -f "%e %M" "$@" > "$work/out"; tail -1 "$work/time"; }
echo "rows: $rows"
for run in $(seq "$runs"); do
  store=$work/store$run
  "$bin" --data-dir "$store" --lang en ingest procedures "$dir/procedures.csv" > /dev/null
  read -r dry_s dry_kb < <(measure "$bin" --data-dir "$store" --lang en ingest --dry-run \
    service_transactions "$dir/service_transactions.csv")
  read -r md_s md_kb < <(measure "$bin" --data-dir "$store" --lang en ingest \
    service_transactions "$dir/service_transactions.csv")
  recompute_ms=$(grep -oE 'series in [0-9]+ ms' "$work/out" | grep -oE '[0-9]+' | head -1)
  read -r pl_s pl_kb < <(measure python3 -c "
import polars as pl, sys
pl.read_csv(sys.argv[1]).write_parquet(sys.argv[2], compression='zstd')" \
    "$dir/service_transactions.csv" "$work/polars.parquet")
  rm -rf "$store" "$work/polars.parquet"
  awk -v run="$run" -v r="$rows" -v d="$dry_s" -v dm="$dry_kb" -v a="$md_s" -v am="$md_kb" \
      -v rc="${recompute_ms:-0}" -v b="$pl_s" -v bm="$pl_kb" 'BEGIN {
    printf "run %d\n", run
    printf "  validation (--dry-run):             %.2f s, %.2f M rows/s, peak %.0f MB\n", d, r/d/1e6, dm/1024
    printf "  md2030 ingest (validate+store+recompute): %.2f s, %.2f M rows/s, peak %.0f MB\n", a, r/a/1e6, am/1024
    printf "    of which recompute %.2f s, validation + storage %.2f s\n", rc/1000, a - rc/1000
    printf "  polars read_csv + write_parquet:    %.2f s, %.2f M rows/s, peak %.0f MB\n", b, r/b/1e6, bm/1024
    printf "  ratio md2030 ingest / polars (time): %.2f; (peak memory): %.2f\n", a/b, am/bm }'
done
