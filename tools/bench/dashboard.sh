#!/usr/bin/env bash
# Dashboard benchmark: md2030 serve (release) on the sample data vs nginx serving
# the same HTML as static files, same run, wrk with 64 connections for DURATION.
#   bash tools/bench/dashboard.sh [DURATION]      (needs wrk and nginx: apt-get install wrk nginx-light)
set -euo pipefail
duration=${1:-30s}
here=$(cd "$(dirname "$0")/../.." && pwd)
target=${CARGO_TARGET_DIR:-$HOME/.cache/md2030-target}
(cd "$here" && CARGO_TARGET_DIR=$target cargo build --release --bin md2030 -q)
bin=$target/release/md2030
work=$(mktemp -d)
chmod 755 "$work"  # nginx workers (www-data) read the pages
trap 'kill $(jobs -p) 2>/dev/null; nginx -c "$work/nginx.conf" -s stop 2>/dev/null || true; rm -rf "$work"' EXIT
"$bin" --data-dir "$work/data" serve --addr 127.0.0.1:18181 2> "$work/serve.log" &
server=$!
for _ in $(seq 100); do curl -sf http://127.0.0.1:18181/healthz > /dev/null && break; sleep 0.2; done
mkdir -p "$work/www/fr/indicator" && chmod -R 755 "$work/www"
curl -sf http://127.0.0.1:18181/fr/ -o "$work/www/fr/index.html"
curl -sf http://127.0.0.1:18181/fr/indicator/digital_take_up -o "$work/www/fr/indicator/digital_take_up.html"
chmod 644 "$work"/www/fr/index.html "$work"/www/fr/indicator/*.html
cat > "$work/nginx.conf" <<CONF
worker_processes 2;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  default_type text/html;
  server { listen 127.0.0.1:18182; root $work/www; location = /fr/indicator/digital_take_up { try_files /fr/indicator/digital_take_up.html =404; } }
}
CONF
nginx -c "$work/nginx.conf"
rss() { awk '/VmRSS/ { print $2 / 1024 " MB" }' /proc/$server/status; }
echo "md2030 RSS before: $(rss)"
for path in /fr/ /fr/indicator/digital_take_up; do
  for port in 18181 18182; do
    name=$([ $port = 18181 ] && echo md2030 || echo nginx)
    echo "== $name $path"
    wrk -t2 -c64 -d"$duration" --latency "http://127.0.0.1:$port$path" | grep -E "Requests/sec|50%|99%|Non-2xx|Socket errors|Transfer/sec"
  done
done
echo "md2030 RSS after: $(rss)"
