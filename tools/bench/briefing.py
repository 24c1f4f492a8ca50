#!/usr/bin/env python3
"""Briefing benchmark: `md2030 brief` (typst in-process) against headless Chromium
printing the dashboard's overview page to PDF (how Superset and Metabase make
PDFs), same machine, same run, same data.

For each language and each run: wall time and peak memory, the memory being the
sum of the resident set sizes of the whole process tree (Chromium runs a dozen
processes), sampled every 5 ms from /proc. Each md2030 run starts from a fresh
copy of a store holding the sample data and its results (so the edition is
typeset, not taken from the archive); the copy is not timed. Chromium prints the
page that `md2030 serve` serves from the same store (a fresh profile per run).

    python3 tools/bench/briefing.py --bin target/release/md2030 [--runs 5]
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request


def tree_rss_kb(root_pid):
    """Sum of VmRSS over root_pid and its descendants."""
    children = {}
    rss = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            ppid = int(fields[1])
            with open(f"/proc/{entry}/status") as f:
                kb = next((int(l.split()[1]) for l in f if l.startswith("VmRSS:")), 0)
        except (OSError, StopIteration, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
        rss[int(entry)] = kb
    total, stack = 0, [root_pid]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total


def measure(cmd, **kwargs):
    """(seconds, peak MB of the process tree, completed process)."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kwargs)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, tree_rss_kb(proc.pid))
        time.sleep(0.005)
    elapsed = time.perf_counter() - started
    out, err = proc.communicate()
    if proc.returncode != 0:
        sys.exit(f"{cmd[0]} failed ({proc.returncode}): {err.decode(errors='replace')[-2000:]}")
    return elapsed, peak / 1024, out


def pages(pdf):
    info = subprocess.run(["pdfinfo", pdf], capture_output=True, text=True).stdout
    return next((l.split()[1] for l in info.splitlines() if l.startswith("Pages:")), "?")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="md2030-bench-")
    server = None
    try:
        store = os.path.join(work, "store")
        subprocess.run([args.bin, "--data-dir", store, "load-sample"], check=True, capture_output=True)
        port = 18190
        server = subprocess.Popen(
            [args.bin, "--data-dir", store, "serve", "--addr", f"127.0.0.1:{port}"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(300):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        rows = []
        for lang in ["fr", "ar", "en"]:
            md, md_mem = [], []
            for run in range(args.runs):
                copy = os.path.join(work, f"copy-{lang}-{run}")
                shutil.copytree(store, copy)
                pdf = os.path.join(work, f"md2030-{lang}.pdf")
                seconds, mb, _ = measure([args.bin, "--data-dir", copy, "--lang", lang, "brief", "--out", pdf])
                md.append(seconds)
                md_mem.append(mb)
                shutil.rmtree(copy)
            md_pages = pages(pdf)
            url = f"http://127.0.0.1:{port}/{lang}/"
            urllib.request.urlopen(url).read()
            ch, ch_mem = [], []
            for run in range(args.runs):
                profile = tempfile.mkdtemp(dir=work)
                pdf = os.path.join(work, f"chromium-{lang}.pdf")
                seconds, mb, _ = measure([
                    args.chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--disable-dev-shm-usage", f"--user-data-dir={profile}",
                    "--no-pdf-header-footer", f"--print-to-pdf={pdf}", url,
                ])
                ch.append(seconds)
                ch_mem.append(mb)
                shutil.rmtree(profile, ignore_errors=True)
            rows.append((lang, md, md_mem, md_pages, ch, ch_mem, pages(pdf)))
        print(f"{args.runs} runs each; median (min-max); memory = peak RSS of the whole process tree")
        print(f"{'edition':8} {'md2030 brief':>24} {'peak MB':>8} {'pages':>5}   {'chromium --print-to-pdf':>24} {'peak MB':>8} {'pages':>5}   speed-up")
        for lang, md, md_mem, md_pages, ch, ch_mem, ch_pages in rows:
            def fmt(xs):
                return f"{statistics.median(xs):.3f} s ({min(xs):.3f}-{max(xs):.3f})"
            print(
                f"{lang:8} {fmt(md):>24} {statistics.median(md_mem):8.1f} {md_pages:>5}   "
                f"{fmt(ch):>24} {statistics.median(ch_mem):8.1f} {ch_pages:>5}   "
                f"{statistics.median(ch) / statistics.median(md):.1f}x"
            )
    finally:
        if server is not None:
            server.terminate()
            server.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
