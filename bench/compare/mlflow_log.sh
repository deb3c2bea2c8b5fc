#!/bin/sh
# Compare metric logging with MLflow 3 (SQLite backend). Creates bench/compare/.venv-mlflow on first use.
# Usage: bench/compare/mlflow_log.sh [--mlflow-runs N] [--bench-runs PATH] [other mlflow_log.py options]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
py=$("$here/mlflow_venv.sh")
exec "$py" "$here/mlflow_log.py" "$@"
