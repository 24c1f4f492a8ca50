#!/usr/bin/env bash
# Builds md2030_<version>_<arch>.deb from a binary already compiled (CI packages
# the one its test run built: no second compilation), with dpkg-deb.
#   bash tools/deb/build.sh BINARY OUT_DIR
# Contents: /usr/bin/md2030; the systemd units (md2030.service, hardened, as the
# md2030 user; md2030-backup.service and .timer, nightly, 14 days kept);
# /etc/md2030/md2030.toml (a conffile); /var/lib/md2030 (created by postinst);
# the README, an nginx TLS example and the copyright under /usr/share/doc/md2030.
set -euo pipefail
bin=${1:?usage: build.sh BINARY OUT_DIR}
out=${2:?usage: build.sh BINARY OUT_DIR}
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
version=$(sed -n 's/^version = "\(.*\)"/\1/p' "$repo/Cargo.toml" | head -1)
arch=$(dpkg --print-architecture)
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
chmod 0755 "$root"
install -D -m 0755 "$bin" "$root/usr/bin/md2030"
# Debug information stripped from the copy (the code is the same binary's).
if command -v strip >/dev/null; then strip --strip-debug "$root/usr/bin/md2030"; fi
for unit in md2030.service md2030-backup.service md2030-backup.timer; do
  install -D -m 0644 "$here/$unit" "$root/lib/systemd/system/$unit"
done
install -D -m 0640 "$here/md2030.toml" "$root/etc/md2030/md2030.toml"
install -D -m 0644 "$repo/README.md" "$root/usr/share/doc/md2030/README.md"
install -D -m 0644 "$here/nginx.conf" "$root/usr/share/doc/md2030/examples/nginx.conf"
cat > "$root/usr/share/doc/md2030/copyright" <<COPYRIGHT
md2030: the Maroc Digital 2030 KPI dashboard.
Sample data: see README.md and data/README.md in the source (UN DESA, World Bank
CC BY 4.0, ITU, HCP CC BY 4.0; synthetic ministry figures). Fonts: Noto (OFL 1.1),
DejaVu (Bitstream Vera licence), embedded in the binary.
COPYRIGHT
mkdir -p "$root/DEBIAN"
installed=$(du -sk "$root" | cut -f1)
cat > "$root/DEBIAN/control" <<CONTROL
Package: md2030
Version: $version
Architecture: $arch
Maintainer: md2030 team <md2030@example.ma>
Installed-Size: $installed
Depends: adduser, libc6
Section: web
Priority: optional
Homepage: https://github.com/md2030
Description: Maroc Digital 2030 KPI dashboard
 Validated, versioned ingestion of ministry and public datasets, the strategy's
 indicators against their 2030 targets, a trilingual web dashboard (French,
 Arabic, English) and typeset PDF briefings sent on a schedule.
CONTROL
echo /etc/md2030/md2030.toml > "$root/DEBIAN/conffiles"
for script in postinst prerm postrm; do
  install -m 0755 "$here/$script" "$root/DEBIAN/$script"
done
mkdir -p "$out"
deb="$out/md2030_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Zxz -z1 --build "$root" "$deb" >/dev/null
echo "$deb"
