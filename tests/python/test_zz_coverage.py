"""Runs last (see conftest.py): every public C function must be bound by the package and called by this suite."""

import importlib
import json
import os
import re

from mlops import _ffi

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PKG = os.path.join(ROOT, "bindings", "python", "mlops")


def _api_functions():
	with open(os.path.join(ROOT, "bindings", "api.json")) as f:
		return [fn["name"] for fn in json.load(f)["functions"]]


def test_generated_layer_matches_api_json():
	assert list(_ffi.FUNCTIONS) == _api_functions()


def test_every_function_is_used_by_the_idiomatic_layer():
	src = ""
	for name in sorted(os.listdir(PKG)):
		if name.endswith(".py") and name not in ("_ffi.py", "_records.py"):
			with open(os.path.join(PKG, name)) as f:
				src += f.read()
	unused = [n for n in _api_functions() if not re.search(r"\b%s\b" % n, src)]
	assert not unused, "C functions without a Python binding: %s" % ", ".join(unused)


def test_every_function_was_called_by_the_suite():
	called = importlib.import_module("mlops._lib").called
	missing = [n for n in _api_functions() if n not in called]
	assert not missing, "C functions no test called: %s" % ", ".join(missing)
