#!/usr/bin/env bash
# Briefing benchmark: md2030 brief (release) vs headless Chromium printing the
# dashboard's overview to PDF, same run; time and peak memory per edition.
#   bash tools/bench/briefing.sh [RUNS]      (needs chromium and poppler-utils)
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
target=${CARGO_TARGET_DIR:-$HOME/.cache/md2030-target}
(cd "$here" && CARGO_TARGET_DIR=$target cargo build --release --bin md2030 -q)
python3 "$here/tools/bench/briefing.py" --bin "$target/release/md2030" --runs "${1:-5}"
