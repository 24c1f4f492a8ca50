#!/usr/bin/env bash
# Preview benchmark: what publishing a pending version would change, over the
# 10-million-row service_transactions dataset. A steward uploads a correction of
# its last month (417,600 rows, one value changed) through the dashboard; then
# `md2030 preview` computes the rows' differences and every indicator that reads
# the dataset with it in place, RUNS times, and the dashboard's preview page is
# timed on its first view (computed) and its second (cached).
#   bash tools/bench/preview.sh DIR [RUNS]
# DIR holds procedures.csv and service_transactions.csv, for example from
#   python3 tools/sample/generate.py --scale 290 --only service_transactions --out DIR
set -euo pipefail
dir=${1:?usage: preview.sh DIR [RUNS]}
runs=${2:-5}
here=$(cd "$(dirname "$0")/../.." && pwd)
target=${CARGO_TARGET_DIR:-$HOME/.cache/md2030-target}
(cd "$here" && CARGO_TARGET_DIR=$target cargo build --release --bin md2030 -q)
bin=$target/release/md2030
store=$(mktemp -d)
work=$(mktemp -d)
addr=127.0.0.1:${PREVIEW_PORT:-8189}
server=
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$store" "$work"; }
trap cleanup EXIT
md() { "$bin" --data-dir "$store" --lang en "$@"; }
md load-sample > /dev/null
md ingest procedures "$dir/procedures.csv" > /dev/null
md ingest service_transactions "$dir/service_transactions.csv" > /dev/null
last=$(tail -1 "$dir/service_transactions.csv" | cut -d, -f1)
month=$work/month.csv
{ head -1 "$dir/service_transactions.csv"
  grep "^$last," "$dir/service_transactions.csv" | awk -F, 'BEGIN { OFS = "," } NR == 1 { $5 = $5 + 1000 } { print }'
} > "$month"
echo "correct horse battery staple" | md user add bench --role steward --ministry MTNRA --password-stdin > /dev/null
"$bin" --data-dir "$store" --lang en serve --addr "$addr" > "$work/serve.log" 2>&1 &  # $! is the server itself
server=$!
for _ in $(seq 100); do curl -sf "http://$addr/healthz" > /dev/null && break; sleep 0.1; done
jar=$work/cookies
curl -s -c "$jar" -b "$jar" -o /dev/null "http://$addr/en/signin"
token=$(awk '/md2030_signin/ { print $7 }' "$jar")
curl -s -c "$jar" -b "$jar" -o /dev/null -X POST "http://$addr/en/signin" \
  --data-urlencode username=bench --data-urlencode "password=correct horse battery staple" \
  --data-urlencode "csrf=$token" --data-urlencode next=
csrf=$(curl -s -b "$jar" "http://$addr/en/submit" | grep -o 'name="csrf" value="[^"]*"' | head -1 | sed 's/.*value="//; s/"$//')
curl -s -b "$jar" -o /dev/null -w "upload of $(($(wc -l < "$month") - 1)) rows for $last: HTTP %{http_code} in %{time_total} s\n" \
  -F "csrf=$csrf" -F dataset=service_transactions -F "file=@$month" "http://$addr/en/submit"
pending=$(md versions service_transactions | awk '/\(pending\)/ { print $1 }' | tail -1)
number=${pending##*@v}
for n in 1 2; do
  curl -s -b "$jar" -o /dev/null -w "dashboard preview page, view $n: HTTP %{http_code} in %{time_total} s\n" \
    "http://$addr/en/review/service_transactions/$number"
done
kill "$server"; server=
md preview service_transactions "$number" | head -1
times=()
for _ in $(seq "$runs"); do
  start=$(date +%s.%N)
  /usr/bin/time -f "%M" -o "$work/rss" "$bin" --data-dir "$store" --lang en preview service_transactions "$number" > /dev/null
  end=$(date +%s.%N)
  times+=("$(echo "$end - $start" | bc) $(cat "$work/rss")")
done
printf '%s\n' "${times[@]}" | sort -n | awk -v n="$runs" '{ t[NR] = $1; m[NR] = $2 } END {
  printf "md2030 preview (whole process: rows diffed, indicators recomputed): best %.3f s, median %.3f s over %d runs, peak %d MB\n", t[1], t[int((n + 1) / 2)], n, m[int((n + 1) / 2)] / 1024 }'
