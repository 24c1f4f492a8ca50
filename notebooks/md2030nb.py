"""Helpers shared by the md2030 notebooks: where the store and the export are, and
running the `md2030` command on them.

The notebooks read an `md2030 export` (Parquet and CSV with datapackage.json) and
call the command for what the export does not hold (provenance, validation).
`python3 notebooks/run.py` prepares both from the sample data; the environment
variables MD2030_BIN, MD2030_DATA_DIR and MD2030_EXPORT point elsewhere.
"""

import json
import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = Path(os.environ.get("MD2030_NOTEBOOK_WORK", ROOT / "notebooks" / ".work"))
DATA_DIR = Path(os.environ.get("MD2030_DATA_DIR", WORK / "store"))
EXPORT = Path(os.environ.get("MD2030_EXPORT", WORK / "export"))


def binary():
    """The md2030 binary: $MD2030_BIN, else the release or debug build."""
    if os.environ.get("MD2030_BIN"):
        return os.environ["MD2030_BIN"]
    target = Path(os.environ.get("CARGO_TARGET_DIR", Path.home() / ".cache" / "md2030-target"))
    for profile in ["release", "debug"]:
        candidate = target / profile / "md2030"
        if candidate.exists():
            return str(candidate)
    raise FileNotFoundError("no md2030 binary: run `python3 notebooks/run.py` first")


def md2030(*args, check=True):
    """Runs `md2030 --data-dir DATA_DIR --lang en ARGS`; returns the completed process."""
    cmd = [binary(), "--data-dir", str(DATA_DIR), "--lang", "en", *map(str, args)]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if check and done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {done.returncode}: {done.stderr}")
    return done


def md2030_json(*args, check=True):
    """`md2030 … --json` parsed."""
    return json.loads(md2030(*args, check=check).stdout)


def package():
    """The export's datapackage.json."""
    return json.loads((EXPORT / "datapackage.json").read_text(encoding="utf-8"))
