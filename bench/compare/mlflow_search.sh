#!/bin/sh
# Compare run search with MLflow 3 (SQLite backend). Creates bench/compare/.venv-mlflow on first use.
# Usage: bench/compare/mlflow_search.sh --bench PATH --mlops PATH [--runs N] [--iterations N] [--dir DIR] [--queries 1,3]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
py=$("$here/mlflow_venv.sh")
exec "$py" "$here/mlflow_search.py" "$@"
