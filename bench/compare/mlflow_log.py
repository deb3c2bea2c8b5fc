#!/usr/bin/env python3
"""Metric logging: MLflow 3 (SQLite backend, log_batch of 1000) against libmlops (bench/runs/bench_runs).

The workload is bench_runs': RUNS runs x METRICS metrics x STEPS steps, values from the same generator, timestamps
advancing 37 ms a step. MLflow is slow enough that its side may be reduced to fewer runs (--mlflow-runs); rates and
bytes are then compared per point, and the output says so. Run through mlflow_log.sh, which provides the venv.
"""
import argparse
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

MASK = (1 << 64) - 1
TS0 = 1700000000000


def value_of(run, metric, step):
    """The generator of bench_runs.c, bit for bit."""
    x = ((run * 0x9E3779B97F4A7C15) & MASK) ^ ((metric * 0xC2B2AE3D27D4EB4F) & MASK) ^ (step & MASK)
    x ^= x >> 33
    x = (x * 0xFF51AFD7ED558CCD) & MASK
    x ^= x >> 33
    noise = (x >> 11) / 9007199254740992.0
    return 1.0 / (1.0 + 0.001 * step) + 0.01 * noise + metric


def dir_bytes(path):
    total = 0
    for root, _, files in os.walk(path):
        for f in files:
            total += os.path.getsize(os.path.join(root, f))
    return total


def run_mlflow(runs, metrics, steps, batch, workdir):
    import mlflow
    from mlflow.entities import Metric
    from mlflow.tracking import MlflowClient

    db = os.path.join(workdir, "mlflow.db")
    uri = "sqlite:///" + db
    client = MlflowClient(tracking_uri=uri)
    exp_id = client.create_experiment("bench")  # creates the schema (migrations) before timing
    empty = dir_bytes(workdir)
    keys = ["metric_%d" % m for m in range(metrics)]
    t0, c0 = time.perf_counter(), time.process_time()
    for r in range(runs):
        run = client.create_run(exp_id)
        rid = run.info.run_id
        buf = []
        for s in range(steps):
            ts = TS0 + s * 37
            for m in range(metrics):
                buf.append(Metric(keys[m], value_of(r, m, s), ts, s))
                if len(buf) == batch:
                    client.log_batch(rid, metrics=buf)
                    buf = []
        if buf:
            client.log_batch(rid, metrics=buf)
        client.set_terminated(rid)
    secs, cpu = time.perf_counter() - t0, time.process_time() - c0
    # check one history made it
    hist = client.get_metric_history(rid, keys[0])
    assert len(hist) == steps, len(hist)
    total = dir_bytes(workdir)
    return {"version": mlflow.__version__, "runs": runs, "points": runs * metrics * steps, "seconds": secs, "cpu_seconds": cpu,
            "bytes": total, "bytes_empty": empty}


def run_mlops(binary, runs, metrics, steps, flush, mode, workdir):
    store = os.path.join(workdir, "store-%s-%d" % (mode, runs))
    empty_store = os.path.join(workdir, "empty-%s-%d" % (mode, runs))
    out = subprocess.run([binary, "--runs", str(runs), "--metrics", str(metrics), "--steps", str(steps),
                          "--flush", str(flush), "--mode", mode, "--dir", store, "--json"],
                         check=True, capture_output=True, text=True).stdout
    res = json.loads(out.strip().splitlines()[-1])
    # an empty store for the baseline: one run with one point
    subprocess.run([binary, "--runs", "1", "--metrics", "1", "--steps", "1", "--dir", empty_store, "--json"],
                   check=True, capture_output=True, text=True)
    res["bytes_empty"] = dir_bytes(empty_store)
    res["bytes"] = dir_bytes(store)
    return res


def find_binary():
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(os.path.dirname(here))
    cands = sorted(glob.glob(os.path.join(root, "build*", "bench", "runs", "bench_runs")) +
                   glob.glob(os.path.join(os.path.dirname(root), "build*", "bench", "runs", "bench_runs")))
    return cands[0] if cands else None


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=100)
    ap.add_argument("--metrics", type=int, default=10)
    ap.add_argument("--steps", type=int, default=10000)
    ap.add_argument("--flush", type=int, default=10000, help="libmlops flush size (points)")
    ap.add_argument("--batch", type=int, default=1000, help="MLflow log_batch size")
    ap.add_argument("--mlflow-runs", type=int, default=None,
                    help="runs on the MLflow side (default: --runs); fewer keeps the time reasonable")
    ap.add_argument("--bench-runs", default=None, help="path of the bench_runs binary")
    ap.add_argument("--workdir", default=None)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    binary = a.bench_runs or find_binary()
    if not binary or not os.path.exists(binary):
        sys.exit("bench_runs not found: build it (ninja -C build) or pass --bench-runs")
    mruns = a.mlflow_runs or a.runs
    work = a.workdir or tempfile.mkdtemp(prefix="mlops-vs-mlflow-")
    os.makedirs(work, exist_ok=True)
    try:
        ours = run_mlops(binary, a.runs, a.metrics, a.steps, a.flush, "point", work)
        ours_same = ours if mruns == a.runs else run_mlops(binary, mruns, a.metrics, a.steps, a.flush, "point", work)
        mlf_dir = os.path.join(work, "mlflow")
        os.makedirs(mlf_dir, exist_ok=True)
        theirs = run_mlflow(mruns, a.metrics, a.steps, a.batch, mlf_dir)
    finally:
        if not a.workdir:
            shutil.rmtree(work, ignore_errors=True)

    o_rate = ours["points"] / ours["seconds"]
    m_rate = theirs["points"] / theirs["seconds"]
    o_cpu_rate = ours["points"] / ours["cpu_seconds"]
    m_cpu_rate = theirs["points"] / theirs["cpu_seconds"]
    o_bpp = (ours_same["bytes"] - ours_same["bytes_empty"]) / ours_same["points"]
    m_bpp = (theirs["bytes"] - theirs["bytes_empty"]) / theirs["points"]
    report = {
        "workload": {"runs": a.runs, "metrics": a.metrics, "steps": a.steps, "libmlops_flush": a.flush,
                     "mlflow_log_batch": a.batch, "mlflow_runs": mruns},
        "libmlops": {"points": ours["points"], "seconds": ours["seconds"], "points_per_second": o_rate,
                     "cpu_seconds": ours["cpu_seconds"], "points_per_cpu_second": o_cpu_rate,
                     "bytes": ours["bytes"], "bytes_per_point": o_bpp, "bytes_same_runs_as_mlflow": ours_same["bytes"]},
        "mlflow": {"version": theirs["version"], "points": theirs["points"], "seconds": theirs["seconds"],
                   "points_per_second": m_rate, "cpu_seconds": theirs["cpu_seconds"],
                   "points_per_cpu_second": m_cpu_rate, "bytes": theirs["bytes"], "bytes_per_point": m_bpp,
                   "seconds_extrapolated_to_full_workload": ours["points"] / m_rate},
        "ratios": {"speed": o_rate / m_rate, "speed_cpu": o_cpu_rate / m_cpu_rate, "bytes": m_bpp / o_bpp},
    }
    if a.json:
        print(json.dumps(report, indent=2))
        return
    print("workload: %d runs x %d metrics x %d steps = %d points (libmlops flush %d, MLflow log_batch %d)" %
          (a.runs, a.metrics, a.steps, ours["points"], a.flush, a.batch))
    if mruns != a.runs:
        print("MLflow side reduced to %d runs (%d points); its time is extrapolated per point" %
              (mruns, theirs["points"]))
    print("libmlops      : %9.3f s wall %9.3f s cpu  %11.0f points/s  %11.0f points/cpu-s  %11d bytes  %7.2f bytes/point" %
          (ours["seconds"], ours["cpu_seconds"], o_rate, o_cpu_rate, ours["bytes"], o_bpp))
    print("MLflow %-7s: %9.3f s wall %9.3f s cpu  %11.0f points/s  %11.0f points/cpu-s  %11d bytes  %7.2f bytes/point"
          % (theirs["version"], theirs["seconds"], theirs["cpu_seconds"], m_rate, m_cpu_rate, theirs["bytes"], m_bpp))
    print("MLflow full workload extrapolated: %.0f s" % (ours["points"] / m_rate))
    print("ratios: libmlops %.0fx faster (wall), %.0fx (CPU); MLflow needs %.1fx the bytes per point" %
          (o_rate / m_rate, o_cpu_rate / m_cpu_rate, m_bpp / o_bpp))


if __name__ == "__main__":
    main()
