#!/usr/bin/env python3
"""Run search: MLflow 3 (SQLite backend, SqlAlchemyStore.search_runs in process, no server) against libmlops.

Both stores hold the same runs: RUNS runs x 20 params x 20 metrics x 3 points and 2 tags, made by the generator of
bench/runs_search/bench_runs_search.c reproduced bit for bit here (run i is named run-<i> in both). MLflow's store
is filled with bulk inserts into its own tables (its logging API would take hours at this size); libmlops' store is
the one bench_runs_search builds and reuses. For each query that MLflow's grammar can express, the script times
MLflow's search_runs, takes libmlops' figures from bench_runs_search, and checks with `mlops runs search` that both
return the same runs in the same order.

Usage (through the venv): bench/compare/mlflow_search.sh --bench build/bench/runs_search/bench_runs_search \
        --mlops build/src/cli/mlops [--runs 100000] [--iterations 10] [--dir /tmp] [--queries 1,3,4]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import uuid

MASK = (1 << 64) - 1
N_PARAMS = 20
N_METRICS = 20
POINTS = 3
TEAMS = ["vision", "nlp", "speech", "rl"]
OPTIMIZERS = ["adam", "sgd", "rmsprop"]
T0 = 1700000000000

# (label, filter, order_by, max_results, number of the same query in bench_runs_search)
QUERIES = [
    ("3 clauses, order by metric, 100 rows", "metrics.m1 > 0.5 AND params.p0 = 'v3' AND tags.team = 'vision'",
     ["metrics.m2 DESC"], 100, 2),
    ("no filter, order by metric, 100 rows", None, ["metrics.m2 DESC"], 100, 5),
    ("no filter, default order, 100 rows", None, [], 100, 6),
    ("LIKE on a param, default order, 1000 rows", "params.p7 LIKE 'value12%'", [], 1000, 7),
]


class Gen:
    """xorshift64 of bench_runs_search.c."""

    def __init__(self):
        self.s = 0x9E3779B97F4A7C15

    def next(self):
        x = self.s
        x ^= (x << 13) & MASK
        x ^= x >> 7
        x ^= (x << 17) & MASK
        self.s = x
        return x

    def unit(self):
        return (self.next() >> 11) / 9007199254740992.0


def generate(n_runs):
    """Yield (i, params, tags, metrics) exactly as bench_runs_search.c builds run i."""
    g = Gen()
    for i in range(n_runs):
        params = []
        for k in range(N_PARAMS):
            if k == 0:
                v = "v%d" % (i % 10)
            elif k == 1:
                v = OPTIMIZERS[g.next() % 3]
            else:
                v = "value%d" % (g.next() % 1000)
            params.append(("p%d" % k, v))
        tags = [("team", TEAMS[g.next() % 4]), ("mlflow.runName", "run-%d" % i)]
        metrics = [("m%d" % k, [g.unit() for _ in range(POINTS)]) for k in range(N_METRICS)]
        yield i, params, tags, metrics


def build_mlflow(db, n_runs):
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore
    from mlflow.store.tracking.dbmodels.models import SqlLatestMetric, SqlMetric, SqlParam, SqlRun, SqlTag
    from sqlalchemy import insert

    store = SqlAlchemyStore("sqlite:///" + db, os.path.join(os.path.dirname(db), "mlflow-artifacts"))
    exp = store.get_experiment_by_name("search") or store.get_experiment(store.create_experiment("search"))
    exp_id = int(exp.experiment_id)
    with store.ManagedSessionMaker() as s:
        have = s.query(SqlRun).count()
    if have == n_runs:
        return store, str(exp_id)
    if have:
        raise SystemExit(f"{db} holds {have} runs, not {n_runs}: remove it")
    t0 = time.perf_counter()
    batch = {"runs": [], "params": [], "tags": [], "metrics": [], "latest": []}

    def flush():
        with store.ManagedSessionMaker() as s:
            for table, key in ((SqlRun, "runs"), (SqlParam, "params"), (SqlTag, "tags"), (SqlMetric, "metrics"),
                               (SqlLatestMetric, "latest")):
                if batch[key]:
                    s.execute(insert(table.__table__), batch[key])
                    batch[key] = []

    for i, params, tags, metrics in generate(n_runs):
        rid = uuid.uuid4().hex
        start = T0 + i * 1000
        batch["runs"].append(dict(run_uuid=rid, name="run-%d" % i, source_type="LOCAL", source_name="",
                                  entry_point_name="", user_id="bench", status="FINISHED", start_time=start,
                                  end_time=start + 500, source_version="", lifecycle_stage="active",
                                  artifact_uri="", experiment_id=exp_id))
        batch["params"] += [dict(key=k, value=v, run_uuid=rid) for k, v in params]
        batch["tags"] += [dict(key=k, value=v, run_uuid=rid) for k, v in tags]
        for k, vals in metrics:
            for p, v in enumerate(vals):
                batch["metrics"].append(dict(key=k, value=v, timestamp=start + p, step=p, is_nan=False,
                                             run_uuid=rid))
            batch["latest"].append(dict(key=k, value=vals[-1], timestamp=start + POINTS - 1, step=POINTS - 1,
                                        is_nan=False, run_uuid=rid))
        if i % 2000 == 1999:
            flush()
            print(f"  mlflow: {i + 1} runs inserted ({time.perf_counter() - t0:.0f} s)", file=sys.stderr)
    flush()
    print(f"mlflow store built in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    return store, str(exp_id)


def mlflow_search(store, exp_id, flt, order, n):
    from mlflow.entities import ViewType

    return store.search_runs([exp_id], flt or "", ViewType.ACTIVE_ONLY, max_results=n, order_by=order or None)


def bench_figures(bench, n_runs, workdir, iterations, query):
    out = subprocess.run([bench, str(n_runs), workdir, str(iterations), str(query)], capture_output=True, text=True,
                         check=True).stdout
    line = [l for l in out.splitlines() if l.split() and l.split()[-1].replace(".", "").isdigit()][-1]
    f = line.split()
    return float(f[-4]), float(f[-1])   # p50 ms, cpu p50 ms


def mlops_names(mlops, store, flt, order, n):
    cmd = [mlops, "--store", store, "--json", "runs", "search", "--max-results", str(n), "--no-params",
           "--no-metrics", "--no-tags"]
    if flt:
        cmd += ["--filter", flt]
    for o in order:
        cmd += ["--order-by", o]
    return [r["info"]["run_name"] for r in json.loads(subprocess.run(cmd, capture_output=True, text=True,
                                                                      check=True).stdout)["runs"]]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=100000)
    ap.add_argument("--iterations", type=int, default=10)
    ap.add_argument("--dir", default=os.environ.get("TMPDIR", "/tmp"))
    ap.add_argument("--bench", required=True, help="path of bench_runs_search")
    ap.add_argument("--mlops", required=True, help="path of the mlops tool")
    ap.add_argument("--queries", default="", help="comma-separated numbers (1-based) of the queries to run; "
                    "default all (MLflow's ordering by a metric without a filter takes minutes at 100,000 runs)")
    a = ap.parse_args()
    os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
    import mlflow

    db = os.path.join(a.dir, f"mlflow-bench-search-{a.runs}.db")
    # bench_runs_search builds (once) the libmlops store at the path below.
    subprocess.run([a.bench, str(a.runs), a.dir, "1", "6"], capture_output=True, check=True)
    ours = os.path.join(a.dir, f"mlops-bench-runs-search-{a.runs}")
    store, exp_id = build_mlflow(db, a.runs)
    print(f"MLflow {mlflow.__version__} (SQLite, SqlAlchemyStore.search_runs in process) against libmlops; "
          f"{a.runs} runs x {N_PARAMS} params x {N_METRICS} metrics; {a.iterations} iterations; p50 wall ms "
          f"(libmlops CPU ms)")
    print(f"{'query':44} {'MLflow':>10} {'libmlops':>18} {'ratio':>8}  same runs")
    chosen = {int(x) for x in a.queries.split(",") if x.strip()}
    for k, (label, flt, order, n, qnum) in enumerate(QUERIES, 1):
        if chosen and k not in chosen:
            continue
        times = []
        for _ in range(a.iterations):
            t0 = time.perf_counter()
            res = mlflow_search(store, exp_id, flt, order, n)
            times.append((time.perf_counter() - t0) * 1000)
        theirs = [r.info.run_name for r in res]
        p50_ml = statistics.median(times)
        p50_us, cpu_us = bench_figures(a.bench, a.runs, a.dir, a.iterations, qnum)
        same = theirs == mlops_names(a.mlops, ours, flt, order, n)
        print(f"{label:44} {p50_ml:10.1f} {p50_us:9.1f} ({cpu_us:5.1f}) {p50_ml / p50_us:7.1f}x  "
              f"{'yes' if same else 'NO'} ({len(theirs)} rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
