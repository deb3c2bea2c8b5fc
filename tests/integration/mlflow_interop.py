#!/usr/bin/env python3
"""MLflow interop, checked with MLflow itself.

1. MLflow's own client writes a file store (experiments, nested and deleted runs, params, metric histories with
   steps, timestamps, NaN and infinities, tags, artifacts, terminal statuses).
2. `mlops runs import` reads it into a libmlops store; `mlops runs search` finds the runs.
3. `mlops runs export` writes the store back in the mlruns/ layout, and MLflow's client reads that export: every
   experiment, run, param, tag, metric point and artifact must be what MLflow wrote in step 1.

Usage: mlflow_interop.py MLOPS_EXE
Needs the `mlflow` package: taken from $MLFLOW_PYTHON, else bench/compare/.venv-mlflow (made by
bench/compare/mlflow_venv.sh), else the running python. Without it the test prints a SKIPPED line and exits 77
(meson's "skipped").
"""
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile

# MLflow 3 keeps the file store in maintenance mode and refuses it unless this is set.
os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SKIP = 77


def has_mlflow(python):
    try:
        return subprocess.run([python, "-c", "import mlflow"], capture_output=True, timeout=120).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def find_python():
    candidates = [os.environ.get("MLFLOW_PYTHON"),
                  os.path.join(ROOT, "bench", "compare", ".venv-mlflow", "bin", "python"),
                  sys.executable]
    for p in candidates:
        if p and os.path.exists(p) and has_mlflow(p):
            return p
    return None


def mlops(exe, store, *args):
    cmd = [exe, "--store", store, *args]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"FAIL: {' '.join(cmd)} exited {r.returncode}\n{r.stdout}\n{r.stderr}")
    return r.stdout


def write_with_mlflow(root):
    """Step 1: MLflow writes; returns what it wrote, read back through its own client."""
    from mlflow.tracking import MlflowClient
    from mlflow.entities import Metric, Param, RunTag

    c = MlflowClient(tracking_uri="file:" + root)
    exp = c.create_experiment("interop vision", tags={"team": "vision", "note": "it's \"quoted\"\nline 2"})
    r1 = c.create_run(exp, run_name="baseline", tags={"stage": "dev"}, start_time=1700000000000)
    rid1 = r1.info.run_id
    c.log_batch(rid1, params=[Param("lr", "0.001"), Param("optimizer", "adam"), Param("layers/depth", "50")],
                tags=[RunTag("dataset", "cifar-10")])
    pts = [(0, 0.9), (1, 0.5), (2, float("nan")), (3, float("inf")), (4, 0.1), (4, 0.05), (7, -float("inf"))]
    c.log_batch(rid1, metrics=[Metric("loss", v, 1700000000100 + i, s) for i, (s, v) in enumerate(pts)])
    for s in range(50):
        c.log_metric(rid1, "acc/top1", s / 50.0, timestamp=1700000001000 + s, step=s)
    art = os.path.join(root, "..", "artifact-src")
    os.makedirs(os.path.join(art, "plots"), exist_ok=True)
    with open(os.path.join(art, "model.txt"), "w") as f:
        f.write("weights\n")
    with open(os.path.join(art, "plots", "roc.bin"), "wb") as f:
        f.write(bytes(range(256)) * 4)
    c.log_artifacts(rid1, art)
    c.set_terminated(rid1, "FINISHED", end_time=1700000005000)
    r2 = c.create_run(exp, run_name="child", tags={"mlflow.parentRunId": rid1}, start_time=1700000006000)
    c.log_metric(r2.info.run_id, "loss", 0.3, timestamp=1700000006100, step=0)
    c.set_terminated(r2.info.run_id, "FAILED", end_time=1700000007000)
    r3 = c.create_run(exp, run_name="thrown-away", start_time=1700000008000)
    c.log_param(r3.info.run_id, "lr", "1.0")
    c.delete_run(r3.info.run_id)
    old = c.create_experiment("old experiment")
    r4 = c.create_run(old, run_name="ancient", start_time=1600000000000)
    c.set_terminated(r4.info.run_id, "KILLED", end_time=1600000001000)
    c.delete_experiment(old)
    return snapshot(root, ["interop vision", "old experiment"])


def snapshot(root, names):
    """Everything MLflow's client reads from the file store at root, keyed by experiment name and run id."""
    from mlflow.tracking import MlflowClient
    from mlflow.entities import ViewType

    c = MlflowClient(tracking_uri="file:" + root)
    out = {}
    for name in names:
        e = c.get_experiment_by_name(name)
        if e is None:
            raise SystemExit(f"FAIL: MLflow does not find experiment {name!r} in {root}")
        runs = {}
        for r in c.search_runs([e.experiment_id], run_view_type=ViewType.ALL, max_results=1000):
            rid = r.info.run_id
            hist = {}
            for key in r.data.metrics:
                hist[key] = sorted((m.step, m.timestamp, repr(m.value)) for m in c.get_metric_history(rid, key))
            arts = {}
            dl = tempfile.mkdtemp()
            try:
                local = c.download_artifacts(rid, "", dl)
                for d, _, files in os.walk(local):
                    for fn in files:
                        p = os.path.join(d, fn)
                        with open(p, "rb") as f:
                            arts[os.path.relpath(p, local)] = f.read()
            finally:
                shutil.rmtree(dl)
            runs[rid] = {
                "name": r.info.run_name, "status": r.info.status, "start": r.info.start_time,
                "end": r.info.end_time, "stage": r.info.lifecycle_stage, "user": r.info.user_id,
                "params": dict(r.data.params), "tags": dict(r.data.tags), "metrics": hist, "artifacts": arts,
            }
        out[name] = {"stage": e.lifecycle_stage, "tags": dict(e.tags), "runs": runs}
    return out


def diff(a, b, path="") -> list:
    if isinstance(a, dict) and isinstance(b, dict):
        problems = []
        for k in sorted(set(a) | set(b), key=str):
            if k not in a or k not in b:
                problems.append(f"{path}/{k}: only in {'MLflow' if k in a else 'the export'}")
            else:
                problems += diff(a[k], b[k], f"{path}/{k}")
        return problems
    return [] if a == b else [f"{path}: MLflow wrote {a!r:.200}, the export gives {b!r:.200}"]


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    exe = os.path.abspath(sys.argv[1])
    try:
        import mlflow
    except ImportError:
        python = None if os.environ.get("MLOPS_INTEROP_CHILD") else find_python()
        if python is None:
            print("SKIPPED: MLflow interop test: the mlflow package is not importable (run "
                  "bench/compare/mlflow_venv.sh or set MLFLOW_PYTHON)")
            return SKIP
        env = dict(os.environ, MLOPS_INTEROP_CHILD="1")
        return subprocess.run([python, os.path.abspath(__file__), exe], env=env).returncode
    print(f"mlflow {mlflow.__version__} ({sys.executable})")
    tmp = tempfile.mkdtemp(prefix="mlops-mlflow-interop-")
    try:
        written = os.path.join(tmp, "mlruns-mlflow")
        store = os.path.join(tmp, "store")
        exported = os.path.join(tmp, "mlruns-export")
        before = write_with_mlflow(written)
        n_runs = sum(len(e["runs"]) for e in before.values())
        print(f"MLflow wrote {len(before)} experiments, {n_runs} runs")

        mlops(exe, store, "init")
        stats = json.loads(mlops(exe, store, "--json", "runs", "import", written))
        if stats["runs"] != n_runs or stats["artifacts"] != 2:
            raise SystemExit(f"FAIL: import counted {stats}, expected {n_runs} runs and 2 artifacts")
        print(f"imported: {stats}")
        rid1 = next(rid for rid, r in before["interop vision"]["runs"].items() if r["name"] == "baseline")
        found = json.loads(mlops(exe, store, "--json", "runs", "search", "--filter",
                                 "metrics.loss.min < 0.06 AND params.optimizer = 'adam' OR tags.stage = 'none'",
                                 "--order-by", "metrics.loss DESC"))
        ids = [r["info"]["run_id"] for r in found["runs"]]
        if ids != [rid1]:
            raise SystemExit(f"FAIL: search on the imported runs gave {ids}, expected [{rid1}]")
        last = found["runs"][0]["data"]["metrics"]["loss"]["last"]
        if last != "-Infinity":
            raise SystemExit(f"FAIL: last loss of the imported run is {last!r}, expected -Infinity (step 7)")

        export_stats = json.loads(mlops(exe, store, "--json", "runs", "export", exported))
        print(f"exported: {export_stats}")
        after = snapshot(exported, ["interop vision", "old experiment"])
        problems = diff(before, after)
        if problems:
            print("FAIL: MLflow reads the export differently from what it wrote:")
            for p in problems[:40]:
                print("  " + p)
            return 1
        print(f"OK: MLflow's client reads the export exactly as it wrote the original ({n_runs} runs, "
              f"{sum(len(r['metrics']) for e in after.values() for r in e['runs'].values())} metric histories, "
              f"{sum(len(r['artifacts']) for e in after.values() for r in e['runs'].values())} artifacts)")
        return 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
