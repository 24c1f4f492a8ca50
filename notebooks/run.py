#!/usr/bin/env python3
"""Prepares what the notebooks read (a store loaded with the sample data and its
export) and then either opens JupyterLab or executes every notebook top to bottom.

    python3 notebooks/run.py            # prepare, then open JupyterLab
    python3 notebooks/run.py --execute  # prepare, run every notebook (CI), fail on any error

The md2030 binary is $MD2030_BIN, else built here with `cargo build --release`.
"""

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import md2030nb  # noqa: E402


def prepare():
    if not os.environ.get("MD2030_BIN"):
        target = os.environ.get("CARGO_TARGET_DIR", str(Path.home() / ".cache" / "md2030-target"))
        subprocess.run(
            ["cargo", "build", "--release", "--bin", "md2030"],
            cwd=md2030nb.ROOT,
            env={**os.environ, "CARGO_TARGET_DIR": target},
            check=True,
        )
    shutil.rmtree(md2030nb.WORK, ignore_errors=True)
    md2030nb.WORK.mkdir(parents=True)
    md2030nb.md2030("load-sample")
    md2030nb.md2030("export", "--out", md2030nb.EXPORT)
    print(f"store: {md2030nb.DATA_DIR}\nexport: {md2030nb.EXPORT}")


def execute():
    import nbformat
    from nbclient import NotebookClient

    failed = []
    paths = sorted(HERE.glob("[0-9][0-9]_*.ipynb"))
    if not paths:
        sys.exit("no notebooks found")
    for path in paths:
        started = time.monotonic()
        notebook = nbformat.read(path, as_version=4)
        # Notebooks are committed without outputs (nbstripout or Kernel > Restart
        # and Clear Outputs before committing).
        dirty = [i for i, c in enumerate(notebook.cells) if c.get("outputs") or c.get("execution_count")]
        if dirty:
            failed.append(path.name)
            print(f"FAILED  {path.name}: outputs committed in cells {dirty}: strip them")
            continue
        client = NotebookClient(notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(HERE)}})
        try:
            client.execute()
            print(f"ok      {path.name} ({time.monotonic() - started:.1f} s)")
        except Exception as err:  # a failing cell: report it and go on with the others
            failed.append(path.name)
            print(f"FAILED  {path.name}: {err}")
    if failed:
        sys.exit(f"{len(failed)} notebook(s) failed: {', '.join(failed)}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--execute", action="store_true", help="run every notebook instead of opening JupyterLab")
    args = parser.parse_args()
    prepare()
    if args.execute:
        execute()
    else:
        os.execvp(sys.executable, [sys.executable, "-m", "jupyter", "lab", str(HERE)])


if __name__ == "__main__":
    main()
