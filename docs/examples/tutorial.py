"""The Python part of docs/tutorial.md: the same steps as the C programs and the mlops tool, through `import mlops`.

Usage: python3 tutorial.py STORE DATA_DIR   (DATA_DIR holds train.csv; the script appends to it)
"""
import sys

import mlops

store_path, data_dir = sys.argv[1], sys.argv[2]

with mlops.open(store_path, actor="alice") as store:
	# Objects: put, get, pin, verify.
	oid = store.put(b"label,weight\ncat,0.7\ndog,0.3\n")
	store.pin("tutorial/labels", oid)
	assert store.get(oid) == b"label,weight\ncat,0.7\ndog,0.3\n"
	print("object", oid, store.size(oid), "bytes")

	# Runs: the block ends the run as FINISHED (FAILED if it raises).
	for name, lr, curve in [("py-fast", 0.01, [0.61, 0.72, 0.83]), ("py-slow", 0.001, [0.58, 0.63, 0.69])]:
		with store.start_run(experiment_name="tutorial-py", run_name=name, tags={"team": "vision"}) as run:
			run.log_params({"lr": lr, "optimizer": "adam"})
			for step, acc in enumerate(curve):
				run.log_metric("acc", acc, step=step)
		print("run", name, run.id)

	exp = store.get_experiment_by_name("tutorial-py").experiment_id
	rows = list(store.search_runs(experiment_ids=[exp], filter="metrics.acc > 0.8 AND params.optimizer = 'adam'",
	                              order_by=["metrics.acc DESC"]))
	for row in rows:
		print("found", row.info.run_name, row.params, {m.key: m.last for m in row.metrics})
	hist = store.metric_history(rows[0].info.run_id, "acc")
	print("history", [(p.step, p.value) for p in hist])
	cmp = store.compare_runs([r.run_id for r in store.runs(experiment_ids=[exp])], metric_keys=["acc"],
	                         param_keys=["lr"])
	print("compare", [c.key for c in cmp.columns])
	for info, cells in zip(cmp.runs, cmp.cells):
		print("  ", info.run_name, [c.text for c in cells])

	# Datasets: commit, change, commit, diff, tag, checkout, status, profile, validate.
	v1 = store.commit_dataset("iris-py", data_dir, message="first cut")
	with open(data_dir + "/train.csv", "a") as f:
		f.write("9,6.1,4.7,versicolor\n")
	v2 = store.commit_dataset("iris-py", data_dir, message="one more row")
	print("versions", v1.version_id[:8], v2.version_id[:8], "created:", v2.stats.created, "seq:", v2.stats.seq)
	for d in store.diff_datasets("iris-py@v1", "iris-py@v2"):
		print("diff", mlops.dataset_change_name(d.change), d.path, d.old_size, "->", d.new_size)
	store.tag_dataset("iris-py@v2", "reviewed")
	print("log", [(v.seq, v.message, v.tags) for v in store.dataset_log("iris-py")])
	store.checkout_dataset("iris-py@v1", store_path + "-checkout")
	st = store.dataset_status(store_path + "-checkout")
	print("status of the checkout:", st.counts)
	prof = store.dataset_profile("iris-py@reviewed", "train.csv")
	print("rows", prof.rows, "schema", [(c["name"], c["type"]) for c in prof.schema["columns"]])
	report = store.validate_dataset("iris-py@reviewed", "train.csv", {"expectations": [
		{"type": "unique", "column": "id"},
		{"type": "between", "column": "petal_length", "min": 0, "max": 5}]})
	print("valid:", report.success,
	      [(r["expectation"]["type"], r["unexpected_count"]) for r in report.report["results"]])

	# Lineage: a run that read v2.
	with store.start_run(experiment_name="tutorial-py", run_name="py-train") as run:
		run.log_input(mlops.KIND_DATASET_VERSION, v2.version_id, "training")
	for e in store.lineage(mlops.KIND_RUN, run.id, "upstream"):
		print("lineage depth", e.depth, e.from_kind, e.from_id[:8], e.relation, e.to_kind, e.to_id[:8])

	# gc and verify.
	store.unpin("tutorial/labels")
	print(store.gc(grace_seconds=0))
	print(store.verify())
