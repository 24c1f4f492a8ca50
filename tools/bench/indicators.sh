#!/usr/bin/env bash
# Indicator benchmark: md2030 recomputing every indicator (26, with breakdowns and
# regional views) over a large service_transactions dataset, and DuckDB running the
# same service_transactions aggregations on the same stored Parquet files, in one run.
#   bash tools/bench/indicators.sh DIR [RUNS]
# DIR holds procedures.csv and service_transactions.csv, for example from
#   python3 tools/sample/generate.py --scale 290 --only service_transactions --out DIR
# (10,022,400 rows).
set -euo pipefail
dir=${1:?usage: indicators.sh DIR [RUNS]}
runs=${2:-5}
here=$(cd "$(dirname "$0")/../.." && pwd)
target=${CARGO_TARGET_DIR:-$HOME/.cache/md2030-target}
(cd "$here" && CARGO_TARGET_DIR=$target cargo build --release --bin md2030 -q)
bin=$target/release/md2030
python3 -c "import duckdb" 2>/dev/null || pip install -q duckdb
store=$(mktemp -d)
trap 'rm -rf "$store"' EXIT
md() { "$bin" --data-dir "$store" --lang en "$@"; }
md load-sample > /dev/null
md ingest procedures "$dir/procedures.csv" > /dev/null
md ingest service_transactions "$dir/service_transactions.csv" > /dev/null
rows=$(md datasets --json | python3 -c "import json,sys; print(next(d['current']['row_count'] for d in json.load(sys.stdin) if d['dataset']=='service_transactions'))")
echo "service_transactions: $rows rows"
times=()
tx_ms=()
for _ in $(seq "$runs"); do
  start=$(date +%s.%N)
  line=$(md compute --force --as-of 2026-01-15)
  end=$(date +%s.%N)
  times+=("$(echo "$end - $start" | bc)")
  # The two transaction indicators (aggregates + every breakdown + assessment).
  tx_ms+=("$(echo "$line" | grep -oE '(transactions_fully_online_share|digital_take_up) [0-9]+ ms' | awk '{ s += $2 } END { print s / 1000 }')")
done
printf '%s\n' "${times[@]}" | sort -n | awk -v n="$runs" '{ t[NR] = $1 } END {
  printf "md2030 compute --force (whole process: every indicator, breakdown and regional view, results written): best %.3f s, median %.3f s over %d runs\n", t[1], t[int((n + 1) / 2)], n }'
printf '%s\n' "${tx_ms[@]}" | sort -n | awk -v n="$runs" '{ t[NR] = $1 } END {
  printf "md2030 transaction indicators only (take-up + fully online share, all breakdowns): best %.3f s, median %.3f s\n", t[1], t[int((n + 1) / 2)] }'
results=$(ls -d "$store"/results/v* | tail -1)/results.json
tx=$store/$(md datasets --json | python3 -c "import json,sys; print(next(d['current']['file'] for d in json.load(sys.stdin) if d['dataset']=='service_transactions'))")
pr=$store/$(md datasets --json | python3 -c "import json,sys; print(next(d['current']['file'] for d in json.load(sys.stdin) if d['dataset']=='procedures'))")
python3 "$here/tools/bench/duckdb_indicators.py" "$tx" "$pr" "$results" "$runs"
