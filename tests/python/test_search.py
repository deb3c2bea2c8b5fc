"""Searching and comparing runs, pandas frames, and MLflow mlruns/ interop."""

import math

import mlops
import pytest


@pytest.fixture
def runs(store):
	ids = []
	for i, lr in enumerate([0.1, 0.01, 0.001]):
		with store.start_run(experiment_name="search", run_name="r%d" % i, tags={"family": "lin"}) as run:
			run.log_params({"lr": lr, "depth": i})
			run.log_metric_series("acc", [0.5, 0.6 + i * 0.1])
			run.log_metric("loss", 1.0 - i * 0.3)
			ids.append(run.id)
	return ids


def test_search_filter_order_and_pages(store, runs):
	rows = list(store.search_runs(filter="metrics.acc > 0.65", order_by=["metrics.acc DESC"]))
	assert [r.info.run_id for r in rows] == [runs[2], runs[1]]
	assert rows[0].params["lr"] == "0.001" and rows[0].tags["family"] == "lin"
	assert {m.key: m.last for m in rows[0].metrics}["acc"] == pytest.approx(0.8)
	page = store.search_runs_page(max_results=2, order_by=["params.depth ASC"])
	assert len(page) == 2 and page.next_page_token
	rest = store.search_runs_page(max_results=2, order_by=["params.depth ASC"], page_token=page.next_page_token)
	assert [r.info.run_id for r in list(page) + list(rest)] == runs and rest.next_page_token is None
	assert len(list(store.search_runs(max_results=1))) == 3  # iterates across pages
	slim = store.search_runs_page(params=False, tags=False, metric_keys=["loss"])
	assert all(r.params == {} and r.tags == {} and [m.key for m in r.metrics] == ["loss"] for r in slim)
	eid = store.get_experiment_by_name("search").experiment_id
	assert len(store.search_runs_page(experiment_ids=[eid], view="all")) == 3
	with pytest.raises(mlops.ParseError) as ei:
		store.search_runs_page(filter="metrics.acc >>> 1")
	assert ei.value.message


def test_search_frame(store, runs):
	df = store.search_runs_frame(order_by=["params.depth ASC"])
	assert list(df["run_id"]) == runs
	assert list(df["params.lr"]) == ["0.1", "0.01", "0.001"]
	assert df["metrics.loss"].iloc[2] == pytest.approx(0.4)
	assert set(df["status"]) == {"FINISHED"}


def test_compare(store, runs):
	cmp = store.compare_runs(runs, metric_field="max")
	assert [r.run_id for r in cmp.runs] == runs
	keys = [(c.kind, c.key) for c in cmp.columns]
	assert (mlops._ffi.MLOPS_COMPARE_PARAM, "lr") in keys and (mlops._ffi.MLOPS_COMPARE_METRIC, "acc") in keys
	j = keys.index((mlops._ffi.MLOPS_COMPARE_METRIC, "acc"))
	assert [row[j].number for row in cmp.cells] == pytest.approx([0.6, 0.7, 0.8])
	p = keys.index((mlops._ffi.MLOPS_COMPARE_PARAM, "lr"))
	assert cmp.cells[0][p].text == "0.1" and math.isnan(cmp.cells[0][p].number)
	df = cmp.to_pandas()
	assert df.loc[runs[1], "params.lr"] == "0.01"
	only = store.compare_runs(runs[:2], param_keys=["lr"], metric_keys=["loss"], only_different=True)
	assert [c.key for c in only.columns] == ["lr", "loss"]
	with pytest.raises(mlops.InvalidError):
		store.compare_runs([])
	with pytest.raises(mlops.InvalidError):
		store.compare_runs(runs, metric_field="median")


def test_mlflow_roundtrip(store, runs, tmp_path):
	out = tmp_path / "mlruns"
	stats = store.export_mlflow(out)
	assert stats.runs == 3 and stats.params == 6 and stats.metric_points == 9
	assert (out / store.get_run(runs[0]).experiment_id / runs[0] / "meta.yaml").exists()
	with mlops.open(tmp_path / "other") as other:
		imp = other.import_mlflow(out)
		assert imp.runs == 3
		assert other.run_params(runs[0]) == store.run_params(runs[0])
		again = other.import_mlflow(out, skip_existing=True)
		assert again.runs_skipped == 3
		with pytest.raises(mlops.ExistsError):
			other.import_mlflow(out)
	meta = store.export_mlflow(tmp_path / "meta-only", artifacts=False, view="active")
	assert meta.artifacts == 0
