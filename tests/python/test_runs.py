"""Experiment tracking through the Python bindings: experiments, run handles, reads by id, metrics, artifacts."""

import math

import mlops
import numpy as np
import pytest


def test_status_names():
	assert mlops.run_status_name(3) == "FINISHED"
	assert mlops.run_status_name(99) == "UNKNOWN"
	assert mlops.parse_run_status("failed") == 4
	with pytest.raises(mlops.InvalidError):
		mlops.parse_run_status("sleepy")


def test_experiments_lifecycle(store):
	eid = store.create_experiment("exp-a", artifact_location="/tmp/art")
	assert eid != "0"
	with pytest.raises(mlops.ExistsError):
		store.create_experiment("exp-a")
	info = store.get_experiment(eid)
	assert info.name == "exp-a" and info.artifact_location == "/tmp/art" and not info.deleted
	assert store.get_experiment_by_name("exp-a").experiment_id == eid
	store.rename_experiment(eid, "exp-b")
	store.set_experiment_tag(eid, "team", "vision")
	assert store.experiment_tags(eid) == {"team": "vision"}
	assert store.get_experiment(eid).tags == {"team": "vision"}
	store.delete_experiment_tag(eid, "team")
	assert store.experiment_tags(eid) == {}
	names = [e.name for e in store.experiments()]
	assert names == ["Default", "exp-b"]
	assert [e.name for e in store.experiments(name_like="exp%")] == ["exp-b"]
	store.delete_experiment(eid)
	assert [e.name for e in store.experiments()] == ["Default"]
	assert [e.name for e in store.experiments(view="deleted")] == ["exp-b"]
	store.restore_experiment(eid)
	assert not store.get_experiment(eid).deleted
	with pytest.raises(mlops.NotFoundError):
		store.get_experiment_by_name("exp-a")
	with pytest.raises(mlops.InvalidError):
		list(store.experiments(view="some"))


def test_run_context_manager_finishes(store):
	with store.start_run(experiment_name="ctx", run_name="good", tags={"k": "v"},
	                     source_name="train.py", git_commit="abc123") as run:
		assert len(run.id) == 32 and run.name == "good"
		run.log_param("lr", 0.1)
		run.log_metric("loss", 1.5, step=0)
	assert run.ended
	info = store.get_run(run.id)
	assert mlops.run_status_name(info.status) == "FINISHED" and info.end_ms >= info.start_ms
	tags = store.run_tags(run.id)
	assert tags["k"] == "v" and tags["mlflow.source.name"] == "train.py"
	assert tags["mlflow.source.git.commit"] == "abc123" and tags["mlflow.runName"] == "good"
	assert store.get_experiment(run.experiment_id).name == "ctx"


def test_run_context_manager_fails_on_exception(store):
	with pytest.raises(ZeroDivisionError):
		with store.start_run(run_name="bad") as run:
			run.log_metric("x", 1.0)
			1 / 0
	info = store.get_run(run.id)
	assert mlops.run_status_name(info.status) == "FAILED"
	assert store.run_metrics(run.id)["x"].count == 1  # buffered point flushed by end


def test_params(store):
	with store.start_run() as run:
		run.log_param("a", 1)
		run.log_param("a", 1)  # same value: a no-op
		with pytest.raises(mlops.ConflictError) as ei:
			run.log_param("a", 2)
		assert "'a'" in ei.value.message
		run.log_params({"b": "x", "c": 3.5})
		with pytest.raises(mlops.InvalidError):
			run.log_params({"ok": 1, "bad..key/../": 2})
		run.log_param("a", 5, overwrite=True)
	assert store.run_params(run.id) == {"a": "5", "b": "x", "c": "3.5"}
	assert store.get_param(run.id, "c") == "3.5"
	with pytest.raises(mlops.NotFoundError):
		store.get_param(run.id, "zzz")


def test_metrics_numpy_batches_and_history(store):
	with store.start_run(flush_points=100_000) as run:
		values = np.linspace(0.0, 1.0, 10_000)
		run.log_metric_series("acc", values)
		assert run.buffered == 10_000
		run.flush()
		assert run.buffered == 0
		run.log_metric_series("lr", [0.1, 0.01], steps=[10, 20], timestamps=[1000, 2000])
		run.log_metrics({"p": 1.0, "q": float("nan")}, step=7)
		run.log_batch(["u", "v", "u"], np.array([1.0, 2.0, 3.0]), steps=[1, 1, 2])
		with pytest.raises(mlops.InvalidError):
			run.log_metric_series("x", [1.0, 2.0], steps=[1])
		run.log_metric("inf", float("inf"))
	summaries = store.run_metrics(run.id)
	assert summaries["acc"].count == 10_000 and summaries["acc"].last == 1.0 and summaries["acc"].max_step == 9999
	assert math.isnan(summaries["q"].last) and summaries["p"].last_step == 7
	assert summaries["u"].last == 3.0 and summaries["v"].count == 1
	assert store.get_metric(run.id, "inf").max == float("inf")
	h = store.metric_history(run.id, "acc")
	assert len(h) == 10_000 and isinstance(h.values, np.ndarray)
	assert np.array_equal(h.values, values) and np.array_equal(h.steps, np.arange(10_000))
	lr = list(store.metric_history(run.id, "lr"))
	assert lr == [mlops.MetricPoint(10, 1000, 0.1), mlops.MetricPoint(20, 2000, 0.01)]
	part = store.metric_history(run.id, "acc", step_min=100, step_max=199)
	assert len(part) == 100 and part.steps[0] == 100
	small = store.metric_history(run.id, "acc", max_points=20)
	assert 2 <= len(small) <= 20 and small.values.max() == 1.0 and small.values.min() == 0.0
	df = h.to_pandas()
	assert list(df.columns) == ["step", "timestamp_ms", "value"] and len(df) == 10_000
	with pytest.raises(mlops.NotFoundError):
		store.get_metric(run.id, "nope")


def test_tags_notes_and_by_id_calls(store):
	with store.start_run() as run:
		run.set_tag("stage", "dev")
		run.set_note("# notes")
		run.delete_tag("stage")
		with pytest.raises(mlops.NotFoundError):
			run.delete_tag("stage")
	rid = run.id
	assert store.run_tags(rid)["mlflow.note.content"] == "# notes"
	store.set_run_tag(rid, "owner", "me")
	store.delete_run_tag(rid, "owner")
	assert "owner" not in store.run_tags(rid)
	with pytest.raises(mlops.ConflictError):
		store.log_run_param(rid, "late", 1)  # finished run refuses params
	resumed = store.resume_run(rid)
	with resumed:
		store.log_run_param(rid, "late", 1)
		store.log_run_metric(rid, "m", 2.0, step=3)
	assert store.run_params(rid)["late"] == "1"
	assert store.get_metric(rid, "m").last_step == 3
	store.set_terminated(rid, "KILLED")
	assert mlops.run_status_name(store.get_run(rid).status) == "KILLED"


def test_list_delete_restore_purge(store):
	ids = []
	for i in range(3):
		with store.start_run(experiment_name="list", run_name="r%d" % i) as run:
			ids.append(run.id)
	eid = store.get_experiment_by_name("list").experiment_id
	listed = [r.run_id for r in store.runs(experiment_ids=[eid])]
	assert sorted(listed) == sorted(ids)
	assert len(list(store.runs(limit=2))) == 2
	store.delete_run(ids[0])
	assert ids[0] not in [r.run_id for r in store.runs()]
	assert [r.run_id for r in store.runs(view="deleted")] == [ids[0]]
	store.restore_run(ids[0])
	store.delete_run(ids[1])
	assert store.purge_runs(ids[1]) == 1
	with pytest.raises(mlops.NotFoundError):
		store.get_run(ids[1])
	assert store.purge_runs() == 0


def test_nested_runs(store):
	with store.start_run(run_name="parent") as parent:
		with store.start_run(run_name="child", parent_run_id=parent.id) as child:
			pass
	assert store.get_run(child.id).parent_run_id == parent.id
	assert [r.run_id for r in store.runs(parent_run_id=parent.id)] == [child.id]


def test_artifacts_and_inputs(store, tmp_path):
	d = tmp_path / "model"
	(d / "sub").mkdir(parents=True)
	(d / "weights.bin").write_bytes(b"w" * 1000)
	(d / "sub" / "cfg.json").write_text('{"a": 1}')
	single = tmp_path / "notes.txt"
	single.write_text("hello")
	oid = store.put(b"training data")
	with store.start_run() as run:
		run.log_artifact(d)
		run.log_artifact(single, "docs")
		run.log_artifacts(d, "copy")
		run.log_artifact_data("raw/bytes.bin", np.arange(4, dtype=np.uint8))
		run.log_text("some text", "txt/readme.md")
		run.log_input(mlops.KIND_OBJECT, oid, "training")
		with pytest.raises(mlops.NotFoundError):
			run.log_artifact(tmp_path / "missing")
	paths = [a.path for a in store.artifacts(run.id)]
	assert "model/weights.bin" in paths and "model/sub/cfg.json" in paths and "docs/notes.txt" in paths
	assert "copy/weights.bin" in paths and "raw/bytes.bin" in paths and "txt/readme.md" in paths
	assert [a.path for a in store.artifacts(run.id, prefix="model")] == ["model/sub/cfg.json", "model/weights.bin"]
	art = [a for a in store.artifacts(run.id) if a.path == "model/weights.bin"][0]
	assert art.size == 1000 and store.get(art.object_id) == b"w" * 1000
	with store.open_artifact(run.id, "txt/readme.md") as r:
		assert r.read() == b"some text"
	out = tmp_path / "restored"
	store.restore_artifacts(run.id, "model", out)
	assert (out / "sub" / "cfg.json").read_text() == '{"a": 1}'
	inputs = list(store.run_inputs(run.id))
	assert [(i.kind, i.id, i.context) for i in inputs] == [("object", oid, "training")]
	edges = list(store.lineage(mlops.KIND_OBJECT, oid))
	assert edges[0].to_kind == "run" and edges[0].to_id == run.id


def test_closed_run_handle(store):
	run = store.start_run()
	run.end("KILLED")
	run.close()
	with pytest.raises(mlops.InvalidError):
		run.log_metric("x", 1.0)


def test_python_side_buffer_semantics(store, monkeypatch):
	import time
	from mlops import runs as runs_mod
	monkeypatch.setattr(runs_mod, "PY_BUFFER_POINTS", 16)
	with store.start_run(flush_points=1_000_000, flush_interval_ms=-1) as run:
		with pytest.raises(mlops.InvalidError):
			run.log_metric("bad..key/../", 1.0)  # the first point of a key is checked by the library at once
		run.log_metric("k", 0.0, 0)
		for i in range(1, 40):
			run.log_metric("k", float(i), i)
			assert run._npend < 16  # handed over every 16 points
		assert run.buffered == 40
		with pytest.raises(mlops.InvalidError):
			run.log_metric("k", "not a number", 41)
		with pytest.raises(mlops.InvalidError):
			run.log_metric("k", 1.0, 2 ** 70)
		before = time.time_ns() // 1_000_000
		run.log_metric("k", 99.0, 99)
		run.log_metric_series("k", [100.0], steps=[100])  # drains first, so the order of points is kept
		monkeypatch.setattr(runs_mod, "PY_BUFFER_NS", 0)
		run.log_metric("k", 101.0, 101)
		run.log_metric("k", 102.0, 102)
		assert run._npend == 0  # the age limit hands points over at once
		run.flush()
		assert run.buffered == 0
	h = store.metric_history(run.id, "k")
	assert list(h.steps) == list(range(40)) + [99, 100, 101, 102]
	assert list(h.values[:3]) == [0.0, 1.0, 2.0]
	assert h.timestamps[40] >= before  # taken when log_metric was called
	run2 = store.start_run()
	run2.log_metric("m", 1.0)
	run2.log_metric("m", 2.0, 1)
	run2.close()  # close hands over the Python-side points before freeing
	assert store.get_metric(run2.id, "m").count == 2
	with pytest.raises(mlops.InvalidError):
		run2.log_metric("m", 3.0)


def test_log_batch_by_id(store):
	with store.start_run() as run:
		pass
	store.resume_run(run.id).close()  # RUNNING again, handle released
	store.log_run_batch(run.id, metrics=[("a", 1.0, 1, 1000), ("a", 2.0, 2), ("b", 3.0)],
	                    params={"p": 1}, tags={"t": "x"})
	store.log_run_batch(run.id, metrics={"c": 4.0})
	assert [(p.step, p.timestamp_ms, p.value) for p in store.metric_history(run.id, "a")][0] == (1, 1000, 1.0)
	assert store.get_metric(run.id, "a").count == 2 and store.get_metric(run.id, "c").last == 4.0
	assert store.run_params(run.id) == {"p": "1"} and store.run_tags(run.id)["t"] == "x"
	with pytest.raises(mlops.ConflictError):
		store.log_run_batch(run.id, metrics={"d": 1.0}, params={"p": 2})  # all or nothing
	with pytest.raises(mlops.NotFoundError):
		store.get_metric(run.id, "d")
	store.log_run_batch(run.id, params={"p": 2}, overwrite=True)
	assert store.get_param(run.id, "p") == "2"
	with pytest.raises(mlops.InvalidError):
		store.log_run_batch(run.id, metrics=[("only-key",)])
