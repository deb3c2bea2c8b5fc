#!/bin/sh
# Create (once) the virtual environment bench/compare/.venv-mlflow with a pinned MLflow 3 from PyPI, and print
# the path of its python. Used by the comparison scripts and by the MLflow interop tests; the directory is
# git-ignored. Override the version with MLFLOW_VERSION=...
set -eu
here=$(cd "$(dirname "$0")" && pwd)
venv="$here/.venv-mlflow"
version="${MLFLOW_VERSION:-3.17.2}"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import mlflow, sys; sys.exit(mlflow.__version__ != '$version')" 2>/dev/null; then
	python3 -m venv "$venv" >&2
	"$venv/bin/python" -m pip install --quiet --upgrade pip >&2
	"$venv/bin/python" -m pip install --quiet "mlflow==$version" >&2
fi
echo "$venv/bin/python"
