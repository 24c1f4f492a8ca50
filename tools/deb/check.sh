#!/usr/bin/env bash
# Installs the package on this machine (root), starts the installed binary as the
# md2030 user on the sample data, checks /healthz, a page and a backup, then
# purges it. What CI runs after the tests.
#   bash tools/deb/check.sh PACKAGE.deb
set -euo pipefail
deb=${1:?usage: check.sh PACKAGE.deb}
if [ "$(id -u)" != 0 ]; then echo "package check: needs root (skipped)"; exit 0; fi
if dpkg -s md2030 >/dev/null 2>&1; then echo "package check: md2030 is already installed here: not touching it" >&2; exit 1; fi
dpkg -i "$deb" >/dev/null
cleanup() {
  [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null || true
  dpkg --purge md2030 >/dev/null || true
  rm -rf /var/lib/md2030 /var/backups/md2030
}
trap cleanup EXIT
getent passwd md2030 >/dev/null || { echo "package check: no md2030 user"; exit 1; }
for f in /usr/bin/md2030 /lib/systemd/system/md2030.service /lib/systemd/system/md2030-backup.timer /etc/md2030/md2030.toml /usr/share/doc/md2030/examples/nginx.conf; do
  [ -e "$f" ] || { echo "package check: $f missing"; exit 1; }
done
[ "$(stat -c %U /var/lib/md2030)" = md2030 ] || { echo "package check: /var/lib/md2030 not owned by md2030"; exit 1; }
if command -v systemd-analyze >/dev/null; then
  systemd-analyze verify /lib/systemd/system/md2030.service /lib/systemd/system/md2030-backup.service /lib/systemd/system/md2030-backup.timer 2>&1 | grep -v "^$" | grep -iv "proc\|no such file\|Failed to\|not found" || true
fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# As the unit runs it: its user, its environment.
runuser -u md2030 -- env MD2030_DATA_DIR=/var/lib/md2030 MD2030_CONFIG=/etc/md2030/md2030.toml \
  /usr/bin/md2030 serve --addr "127.0.0.1:$port" > /tmp/md2030-package-check.log 2>&1 &
pid=$!
for _ in $(seq 1 600); do
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 0.5
done
curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null || { cat /tmp/md2030-package-check.log; echo "package check: /healthz does not answer"; exit 1; }
page=$(mktemp)
curl -fsS -o "$page" "http://127.0.0.1:$port/fr/"
grep -q "Maroc Digital 2030" "$page" || { echo "package check: /fr/ is not the dashboard"; exit 1; }
curl -fsS -o "$page" "http://127.0.0.1:$port/fr/peers"
grep -q "4e en Afrique" "$page" || { echo "package check: /fr/peers lacks the peer ranks"; exit 1; }
rm -f "$page"
runuser -u md2030 -- env MD2030_DATA_DIR=/var/lib/md2030 /usr/bin/md2030 backup /var/backups/md2030/check >/dev/null
[ -f /var/backups/md2030/check/manifest.json ] || { echo "package check: the backup did not complete"; exit 1; }
owner=$(stat -c %U /var/lib/md2030/catalog.sqlite)
[ "$owner" = md2030 ] || { echo "package check: the catalogue belongs to $owner"; exit 1; }
echo "package check: $(basename "$deb") installed, served /healthz, /fr/ and /fr/peers as md2030, backed up, purged"
