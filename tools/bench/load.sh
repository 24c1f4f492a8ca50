#!/usr/bin/env bash
# Load test: md2030 serve (release, sample data, public mode) under 60 s of mixed
# traffic (pages in three languages, API, downloads, sign-ins) at 128 connections.
# Reports requests/s, responses by class (any 5xx is a failure), latency, and the
# server's memory every 5 s and for 15 s after (flat memory: no leak under load;
# each sign-in that reaches argon2 takes 19 MiB while it runs, two at a time).
#   bash tools/bench/load.sh [DURATION] [CONNECTIONS]      (needs wrk: apt-get install wrk)
set -euo pipefail
duration=${1:-60s}
connections=${2:-128}
here=$(cd "$(dirname "$0")/../.." && pwd)
target=${CARGO_TARGET_DIR:-$HOME/.cache/md2030-target}
(cd "$here" && CARGO_TARGET_DIR=$target cargo build --release --bin md2030 -q)
bin=$target/release/md2030
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
"$bin" --data-dir "$work/data" load-sample > /dev/null
"$bin" --data-dir "$work/data" serve --addr 127.0.0.1:18183 2> "$work/serve.log" &
server=$!
for _ in $(seq 100); do curl -sf http://127.0.0.1:18183/healthz > /dev/null && break; sleep 0.2; done
# Warm the caches (the first request of each page renders it).
for p in /fr/ /ar/ /en/ /fr/indicator/digital_take_up /ar/indicator/egdi_rank /en/regions /fr/data \
         /ar/targets /en/briefings /download/indicator/egdi_rank.svg; do
  curl -sf "http://127.0.0.1:18183$p" > /dev/null
done
rss() { awk '/VmRSS/ { printf "%.1f", $2 / 1024 }' /proc/$server/status; }
echo "md2030 RSS after warm-up: $(rss) MB"
(
  while sleep 5; do echo "  RSS at +$(( SECONDS ))s: $(rss) MB"; done
) &
sampler=$!
SECONDS=0
wrk -t2 -c"$connections" -d"$duration" --timeout 10s -s "$here/tools/bench/load.lua" \
  http://127.0.0.1:18183 | grep -E "Requests/sec|responses:|latency p50|Transfer/sec"
kill $sampler 2>/dev/null || true
echo "md2030 RSS at the end: $(rss) MB"
for t in 5 10 15; do sleep 5; echo "md2030 RSS $t s later: $(rss) MB"; done
curl -sf http://127.0.0.1:18183/healthz > /dev/null && echo "server still up"
echo "snapshot reloads during the run: $(grep -c 'new results' "$work/serve.log" || true)"
echo "audit entries written: $(sqlite3 "$work/data/catalog.sqlite" 'SELECT COUNT(*) FROM audit' 2>/dev/null || echo '?')"
