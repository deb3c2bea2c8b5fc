#!/usr/bin/env python3
"""MLflow interop, checked with MLflow itself.

1. MLflow's own client writes a file store (experiments, nested and deleted runs, params, metric histories with
   steps, timestamps, NaN and infinities, tags, artifacts, terminal statuses).
2. `mlops runs import` reads it into a libmlops store; `mlops runs search` finds the runs.
3. `mlops runs export` writes the store back in the mlruns/ layout, and MLflow's client reads that export: every
   experiment, run, param, tag, metric point and artifact must be what MLflow wrote in step 1.
Before that, and also without MLflow, the CLI sub-commands (import, search with pages, compare, export, a bad
filter) run on a small hand-written file store.

Usage: mlflow_interop.py MLOPS_EXE
Needs the `mlflow` package: taken from $MLFLOW_PYTHON, else bench/compare/.venv-mlflow (made by
bench/compare/mlflow_venv.sh), else the running python. Without it the MLflow part prints a SKIPPED line and the
test exits 77 (meson's "skipped") once the CLI checks have passed.
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


def write_file(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def cli_checks(exe, tmp):
    """The CLI sub-commands on a small hand-written file store, with or without MLflow installed."""
    root = os.path.join(tmp, "hand")
    exp = os.path.join(root, "5")
    write_file(os.path.join(exp, "meta.yaml"), "artifact_location: file:///x/5\ncreation_time: 1690000000000\n"
               "experiment_id: '5'\nlast_update_time: 1690000000000\nlifecycle_stage: active\nname: cli exp\n")
    runs = {}
    for i, (lr, acc) in enumerate([("0.1", [0.5, 0.7]), ("0.01", [0.6, 0.9]), ("0.001", [0.2, float("nan")])]):
        rid = "%032x" % (0xabc0 + i)
        runs[rid] = lr
        d = os.path.join(exp, rid)
        write_file(os.path.join(d, "meta.yaml"), f"end_time: {1690000001000 + i}\nexperiment_id: '5'\n"
                   f"lifecycle_stage: active\nrun_id: {rid}\nrun_name: r{i}\nstart_time: {1690000000000 + i}\n"
                   "status: 3\nuser_id: ci\n")
        write_file(os.path.join(d, "params", "lr"), lr)
        write_file(os.path.join(d, "tags", "mlflow.runName"), f"r{i}")
        write_file(os.path.join(d, "metrics", "acc"),
                   "".join(f"{1690000000500 + s} {v} {s}\n" for s, v in enumerate(acc)))
    store = os.path.join(tmp, "cli-store")
    mlops(exe, store, "init")
    st = json.loads(mlops(exe, store, "--json", "runs", "import", root))
    if (st["runs"], st["params"], st["metric_points"]) != (3, 3, 6):
        raise SystemExit(f"FAIL: runs import counted {st}")
    found = json.loads(mlops(exe, store, "--json", "runs", "search", "--filter",
                             "metrics.acc.max >= 0.7 AND NOT params.lr = '0.1'", "--order-by", "metrics.acc DESC"))
    if [r["info"]["run_name"] for r in found["runs"]] != ["r1"]:
        raise SystemExit(f"FAIL: runs search gave {found}")
    found = json.loads(mlops(exe, store, "--json", "runs", "search", "--order-by", "metrics.acc",
                             "--max-results", "2"))
    names = [r["info"]["run_name"] for r in found["runs"]]
    if names != ["r0", "r1"] or not found["next_page_token"]:
        raise SystemExit(f"FAIL: runs search by metrics.acc gave {names}, token {found['next_page_token']}")
    page2 = json.loads(mlops(exe, store, "--json", "runs", "search", "--order-by", "metrics.acc", "--max-results",
                             "2", "--page-token", found["next_page_token"]))
    if [r["info"]["run_name"] for r in page2["runs"]] != ["r2"] or page2["next_page_token"] is not None:
        raise SystemExit(f"FAIL: second page gave {page2}")
    csv = mlops(exe, store, "runs", "compare", "--csv", *sorted(runs)).splitlines()
    if csv[0] != "run_id,run_name,param:lr,metric:acc" or len(csv) != 4 or not csv[3].endswith(",0.001,NaN"):
        raise SystemExit(f"FAIL: runs compare --csv printed {csv}")
    table = mlops(exe, store, "runs", "compare", "--diff", *sorted(runs))
    if "params.lr" not in table or "metrics.acc" not in table:
        raise SystemExit(f"FAIL: runs compare printed {table}")
    out = os.path.join(tmp, "cli-export")
    st = json.loads(mlops(exe, store, "--json", "runs", "export", out))
    exp_id = json.loads(mlops(exe, store, "--json", "runs", "search", "--max-results", "1"))["runs"][0]["info"][
        "experiment_id"]
    first = sorted(runs)[0]
    with open(os.path.join(out, exp_id, first, "metrics", "acc")) as f:
        if f.read() != "1690000000500 0.5 0\n1690000000501 0.7 1\n":
            raise SystemExit("FAIL: runs export wrote another metric file")
    r = subprocess.run([exe, "--store", store, "runs", "search", "--filter", "params.lr = 0.1"], capture_output=True,
                       text=True)
    if r.returncode != 1 or "position 13" not in r.stderr or "^" not in r.stderr:
        raise SystemExit(f"FAIL: a bad filter gave exit {r.returncode}: {r.stderr}")
    print(f"OK: mlops runs import/search/compare/export on a hand-written file store ({st['runs']} runs)")


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    exe = os.path.abspath(sys.argv[1])
    if not os.environ.get("MLOPS_INTEROP_CHILD"):
        tmp = tempfile.mkdtemp(prefix="mlops-cli-interop-")
        try:
            cli_checks(exe, tmp)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
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
