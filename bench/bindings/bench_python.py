#!/usr/bin/env python3
"""Overhead of the Python bindings on the metric-logging path, and the same workload through MLflow's client.

    MLOPS_LIBRARY=build/src/libmlops.so.0 python3 bench/bindings/bench_python.py [--mlflow]

Measures (a) Run.log_metric per call (buffered; the flushes its buffer triggers are included, as a user pays
them), (b) Run.log_metric_series with 10,000-point numpy arrays (one C call per batch), with and without the
commit (flush) of the points, and, with --mlflow, (c) the same two workloads through MLflow's Python client on
its SQLite backend: mlflow.log_metric per call, and MlflowClient.log_batch in chunks of 1,000 metrics (MLflow's
limit per call) for a 10,000-point batch. MLflow runs in the git-ignored venv made by
bench/compare/mlflow_venv.sh (pinned version). Prints a Markdown table; --json prints the raw figures.
"""

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def bench_mlops(calls, batches, batch):
	sys.path.insert(0, os.path.join(ROOT, "bindings", "python"))
	import numpy as np

	import mlops
	out = {}
	tmp = tempfile.mkdtemp()
	try:
		with mlops.open(os.path.join(tmp, "store")) as store:
			with store.start_run(run_name="per-call") as run:
				for i in range(1000):  # warm up: imports, first statements, page cache
					run.log_metric("warm", 0.5, i)
				run.flush()
				t0, c0 = time.perf_counter(), time.process_time()
				for i in range(calls):
					run.log_metric("loss", 1.0 / (i + 1), i)
				t1, c1 = time.perf_counter(), time.process_time()
				run.flush()
				t2, c2 = time.perf_counter(), time.process_time()
			out["log_metric_us"] = (t1 - t0) / calls * 1e6
			out["log_metric_cpu_us"] = (c1 - c0) / calls * 1e6
			out["log_metric_with_flush_us"] = (t2 - t0) / calls * 1e6
			out["log_metric_with_flush_cpu_us"] = (c2 - c0) / calls * 1e6
			values = np.random.default_rng(0).random(batch)
			with store.start_run(run_name="batches", flush_points=batch * batches + 1) as run:
				run.log_metric_series("warm", values)
				run.flush()
				t0, c0 = time.perf_counter(), time.process_time()
				for b in range(batches):
					run.log_metric_series("acc", values, steps=np.arange(b * batch, (b + 1) * batch))
				t1, c1 = time.perf_counter(), time.process_time()
				run.flush()
				t2, c2 = time.perf_counter(), time.process_time()
			n = batches * batch
			out["batch_points_per_s"] = n / (t1 - t0)
			out["batch_points_per_cpu_s"] = n / (c1 - c0)
			out["batch_with_flush_points_per_s"] = n / (t2 - t0)
			out["batch_with_flush_points_per_cpu_s"] = n / (c2 - c0)
			assert store.get_metric(run.id, "acc").count == n
	finally:
		shutil.rmtree(tmp)
	out["calls"], out["batches"], out["batch"] = calls, batches, batch
	return out


def bench_mlflow(calls, batch):
	import mlflow
	from mlflow.entities import Metric
	from mlflow.tracking import MlflowClient
	out = {"mlflow_version": mlflow.__version__}
	tmp = tempfile.mkdtemp()
	try:
		mlflow.set_tracking_uri("sqlite:///" + os.path.join(tmp, "mlflow.db"))
		client = MlflowClient()
		with mlflow.start_run() as run:
			for i in range(20):
				mlflow.log_metric("warm", 0.5, step=i)
			t0, c0 = time.perf_counter(), time.process_time()
			for i in range(calls):
				mlflow.log_metric("loss", 1.0 / (i + 1), step=i)
			t1, c1 = time.perf_counter(), time.process_time()
			out["log_metric_us"] = (t1 - t0) / calls * 1e6
			out["log_metric_cpu_us"] = (c1 - c0) / calls * 1e6
			ts = int(time.time() * 1000)
			metrics = [Metric("acc", i / batch, ts, i) for i in range(batch)]
			t0, c0 = time.perf_counter(), time.process_time()
			for k in range(0, batch, 1000):
				client.log_batch(run.info.run_id, metrics=metrics[k:k + 1000])
			t1, c1 = time.perf_counter(), time.process_time()
			out["batch_points_per_s"] = batch / (t1 - t0)
			out["batch_points_per_cpu_s"] = batch / (c1 - c0)
		out["calls"], out["batch"] = calls, batch
	finally:
		shutil.rmtree(tmp)
	return out


def main():
	ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
	ap.add_argument("--calls", type=int, default=200_000, help="log_metric calls (libmlops)")
	ap.add_argument("--batches", type=int, default=100, help="10,000-point batches (libmlops)")
	ap.add_argument("--batch", type=int, default=10_000, help="points per batch")
	ap.add_argument("--mlflow", action="store_true", help="also run the workloads through MLflow")
	ap.add_argument("--mlflow-calls", type=int, default=500, help="log_metric calls through MLflow")
	ap.add_argument("--mlflow-only", action="store_true", help=argparse.SUPPRESS)
	ap.add_argument("--json", action="store_true", help="print the raw figures as JSON")
	args = ap.parse_args()
	if args.mlflow_only:
		print(json.dumps(bench_mlflow(args.mlflow_calls, args.batch)))
		return 0
	res = {"machine": "%s, %d CPUs, Python %s" % (platform.machine(), os.cpu_count(), platform.python_version()),
	       "load": "%.2f" % os.getloadavg()[0],
	       "mlops": bench_mlops(args.calls, args.batches, args.batch)}
	if args.mlflow:
		py = subprocess.run(["sh", os.path.join(ROOT, "bench", "compare", "mlflow_venv.sh")], check=True,
		                    capture_output=True, text=True).stdout.strip()
		mf = subprocess.run([py, os.path.abspath(__file__), "--mlflow-only", "--mlflow-calls",
		                     str(args.mlflow_calls), "--batch", str(args.batch)], check=True, capture_output=True,
		                    text=True)
		res["mlflow"] = json.loads(mf.stdout.strip().splitlines()[-1])
	if args.json:
		print(json.dumps(res, indent=1))
		return 0
	m, f = res["mlops"], res.get("mlflow")
	print("Machine: %s; load average before the run: %s" % (res["machine"], res["load"]))
	print()
	head = "| workload | libmlops (Python), wall | CPU | target |"
	if f:
		head += " MLflow %s (SQLite), wall | CPU |" % f["mlflow_version"]
	print(head)
	print("|---|---:|---:|---|" + ("---:|---:|" if f else ""))
	rows = [
		("`log_metric` per call (%d calls)" % m["calls"], "%.2f us" % m["log_metric_us"],
		 "%.2f us" % m["log_metric_cpu_us"], "<= 3 us",
		 ("%.0f us" % f["log_metric_us"], "%.0f us" % f["log_metric_cpu_us"]) if f else None),
		("`log_metric` per call, final flush included", "%.2f us" % m["log_metric_with_flush_us"],
		 "%.2f us" % m["log_metric_with_flush_cpu_us"], "", ("", "") if f else None),
		("%d-point numpy batch (`log_metric_series`), %d batches" % (m["batch"], m["batches"]),
		 "%.1f M points/s" % (m["batch_points_per_s"] / 1e6), "%.1f M points/s" % (m["batch_points_per_cpu_s"] / 1e6),
		 ">= 1 M points/s",
		 ("%.0f points/s" % f["batch_points_per_s"], "%.0f points/s" % f["batch_points_per_cpu_s"]) if f else None),
		("same, flush (commit) included", "%.1f M points/s" % (m["batch_with_flush_points_per_s"] / 1e6),
		 "%.1f M points/s" % (m["batch_with_flush_points_per_cpu_s"] / 1e6), "", ("", "") if f else None),
	]
	for name, wall, cpu, target, mf in rows:
		print("| %s | %s | %s | %s |%s" % (name, wall, cpu, target, (" %s | %s |" % mf) if mf else ""))
	return 0


if __name__ == "__main__":
	sys.exit(main())
