"""pytest setup for the Python bindings: imports the package from bindings/python, records every C function the
suite calls (MLOPS_PYTHON_TRACE) and runs the API-coverage test last."""

import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ["MLOPS_PYTHON_TRACE"] = "1"
os.environ.setdefault("MLOPS_ACTOR", "pytest")
sys.path.insert(0, os.path.join(ROOT, "bindings", "python"))

import mlops  # noqa: E402


def pytest_collection_modifyitems(session, config, items):
	last = [i for i in items if i.module.__name__.endswith("test_zz_coverage")]
	items[:] = [i for i in items if i not in last] + last


@pytest.fixture
def store(tmp_path):
	with mlops.open(tmp_path / "store") as s:
		yield s


@pytest.fixture
def mem_store():
	with mlops.open(":memory:") as s:
		yield s
