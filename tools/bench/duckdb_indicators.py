"""DuckDB side of the indicator benchmark: the aggregations md2030 runs over
service_transactions (digital take-up national, by region, ministry and procedure;
share of transactions on fully online procedures national, by region and ministry),
on the same stored Parquet versions. Prints the best and median wall time of RUNS
runs, and cross-checks the national take-up against md2030's results.json.

    python3 duckdb_indicators.py TRANSACTIONS.parquet PROCEDURES.parquet RESULTS.json [RUNS]
"""
import json
import statistics
import sys
import time

import duckdb

tx, procedures, results_path = sys.argv[1:4]
runs = int(sys.argv[4]) if len(sys.argv) > 4 else 5

TAKE_UP = "100.0 * SUM(CASE WHEN channel = 'counter' THEN 0 ELSE transactions END) / SUM(transactions)"
FULLY = "100.0 * SUM(CASE WHEN p.maturity_level >= 4 THEN t.transactions ELSE 0 END) / SUM(t.transactions)"
T = f"read_parquet('{tx}')"
P = f"read_parquet('{procedures}')"
QUERIES = {
    "take_up": f"SELECT period, {TAKE_UP} FROM {T} GROUP BY period ORDER BY period",
    "take_up_region": f"SELECT region_code, period, {TAKE_UP} FROM {T} GROUP BY ALL ORDER BY ALL",
    "take_up_procedure": f"SELECT procedure_id, period, {TAKE_UP} FROM {T} GROUP BY ALL ORDER BY ALL",
    "take_up_ministry": f"SELECT p.ministry_code, t.period, {TAKE_UP.replace('transactions', 't.transactions').replace('channel', 't.channel')} "
    f"FROM {T} t JOIN {P} p USING (procedure_id) GROUP BY ALL ORDER BY ALL",
    "fully_online": f"SELECT t.period, {FULLY} FROM {T} t JOIN {P} p USING (procedure_id) GROUP BY ALL ORDER BY ALL",
    "fully_online_region": f"SELECT t.region_code, t.period, {FULLY} FROM {T} t JOIN {P} p USING (procedure_id) GROUP BY ALL ORDER BY ALL",
    "fully_online_ministry": f"SELECT p.ministry_code, t.period, {FULLY} FROM {T} t JOIN {P} p USING (procedure_id) GROUP BY ALL ORDER BY ALL",
}

times = []
for _ in range(runs):
    start = time.perf_counter()
    con = duckdb.connect()
    out = {name: con.execute(sql).fetchall() for name, sql in QUERIES.items()}
    con.close()
    times.append(time.perf_counter() - start)

results = json.load(open(results_path))
ours = {o["period"]: o["value"] for i in results["indicators"] if i["id"] == "digital_take_up" for o in i["headline"]["series"]}
theirs = dict(out["take_up"])
worst = max(abs(ours[p] - v) for p, v in theirs.items())
assert set(ours) == set(theirs), "periods differ"
assert worst < 1e-9, f"national take-up differs by {worst}"
print(f"duckdb {duckdb.__version__}: best {min(times):.3f} s, median {statistics.median(times):.3f} s over {runs} runs "
      f"({len(QUERIES)} aggregations; national take-up agrees with md2030 to {worst:.1e})")
