"""Train scikit-learn models on the digits data set that ships with scikit-learn, tracking them with libmlops.

    python3 docs/examples/train_sklearn.py --store ./mlops-store

Each value of the regularization strength C is one run: its params, the per-fold cross-validation scores as a
metric series (one numpy call), the test accuracy, the confusion matrix as a JSON artifact and the fitted model
as a pickle artifact. The training data is committed as a dataset version and logged as the run's input, so the
store can answer "which data trained this model?". The best run is then found with a search and its model is
loaded back from the store and checked.
"""

import argparse
import io
import json
import os
import pickle
import sys
import tempfile

import numpy as np

import mlops

try:
	from sklearn.datasets import load_digits
	from sklearn.linear_model import LogisticRegression
	from sklearn.metrics import accuracy_score, confusion_matrix
	from sklearn.model_selection import cross_val_score, train_test_split
	from sklearn.pipeline import make_pipeline
	from sklearn.preprocessing import StandardScaler
except ImportError:
	sys.exit("this example needs scikit-learn: python3 -m pip install scikit-learn")


def main() -> int:
	ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
	ap.add_argument("--store", default="mlops-store", help="store directory (created when missing)")
	args = ap.parse_args()

	X, y = load_digits(return_X_y=True)
	X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)

	with mlops.open(args.store) as store:
		# The training set as a dataset version: a CSV the store profiles (schema, statistics, row count).
		csv = io.StringIO()
		np.savetxt(csv, np.column_stack([X_train, y_train]), delimiter=",", fmt="%g",
		           header=",".join(["p%d" % i for i in range(X.shape[1])] + ["label"]), comments="")
		with tempfile.TemporaryDirectory() as tmp:
			train_path = os.path.join(tmp, "digits-train.csv")
			with open(train_path, "w") as f:
				f.write(csv.getvalue())
			data = store.commit_dataset("digits/train", train_path, message="sklearn digits, 75% split, seed 0")
		print("dataset digits/train version %s (%d rows)" % (data.version_id[:12],
		                                                     store.dataset_profile("digits/train").rows))

		for C in (0.01, 0.1, 1.0):
			with store.start_run(experiment_name="digits-logreg", run_name="C=%g" % C,
			                     source_name="train_sklearn.py") as run:
				run.log_input(mlops.KIND_DATASET_VERSION, data.version_id, "training")
				model = make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=2000))
				run.log_params({"model": "LogisticRegression", "C": C, "max_iter": 2000, "scaler": "standard"})
				scores = cross_val_score(model, X_train, y_train, cv=5)
				run.log_metric_series("cv_accuracy", scores)
				model.fit(X_train, y_train)
				pred = model.predict(X_test)
				acc = accuracy_score(y_test, pred)
				run.log_metrics({"test_accuracy": acc, "cv_mean": float(scores.mean())})
				run.log_text(json.dumps(confusion_matrix(y_test, pred).tolist()), "confusion_matrix.json")
				run.log_artifact_data("model/model.pkl", pickle.dumps(model))
				print("run %s C=%-5g cv=%.4f test=%.4f" % (run.id[:12], C, scores.mean(), acc))

		best = next(store.search_runs(filter="params.model = 'LogisticRegression'",
		                              order_by=["metrics.test_accuracy DESC"], max_results=1))
		with store.open_artifact(best.info.run_id, "model/model.pkl") as f:
			model = pickle.load(f)
		acc = accuracy_score(y_test, model.predict(X_test))
		recorded = {m.key: m.last for m in best.metrics}["test_accuracy"]
		print("best run %s (%s): test accuracy %.4f, reloaded model gives %.4f"
		      % (best.info.run_id[:12], best.info.run_name, recorded, acc))
		inputs = list(store.run_inputs(best.info.run_id))
		print("trained on dataset version %s" % inputs[0].id[:12])
		if abs(acc - recorded) > 1e-12 or inputs[0].id != data.version_id:
			print("the stored model or its lineage does not match the run", file=sys.stderr)
			return 1
	return 0


if __name__ == "__main__":
	sys.exit(main())
