"""Errors, versions and the library loader."""

import mlops
import pytest
from mlops import _ffi, errors


def test_every_error_code_has_its_own_class():
	codes = _ffi.ENUMS["mlops_error_code"]
	for name, code in codes.items():
		if name in ("MLOPS_OK", "MLOPS_ITEROVER", "MLOPS_ERROR"):
			continue
		cls = errors.BY_CODE.get(code)
		assert cls is not None and cls is not mlops.MlopsError, "no exception class for %s" % name
		assert issubclass(cls, mlops.MlopsError)
		assert cls.default_code == code
	assert len(set(errors.BY_CODE.values())) == len(errors.BY_CODE)


def test_error_carries_code_and_library_message(store):
	with pytest.raises(mlops.NotFoundError) as ei:
		store.pinned("no-such-pin")
	assert ei.value.code == _ffi.MLOPS_ENOTFOUND
	assert "no-such-pin" in ei.value.message
	assert str(ei.value).startswith("MLOPS_ENOTFOUND: ")
	assert isinstance(ei.value, LookupError)


def test_invalid_id_is_invalid_error(store):
	with pytest.raises(mlops.InvalidError) as ei:
		store.get("not-an-id")
	assert ei.value.code == _ffi.MLOPS_EINVAL
	assert isinstance(ei.value, ValueError)


def test_last_error_and_clear(store):
	with pytest.raises(mlops.NotFoundError):
		store.unpin("nothing")
	code, message = mlops.last_error()
	assert code == _ffi.MLOPS_ENOTFOUND and "nothing" in message
	mlops.clear_error()
	assert mlops.last_error() == (0, "")


def test_error_names():
	assert mlops.error_name(_ffi.MLOPS_ENOTFOUND) == "MLOPS_ENOTFOUND"
	assert mlops.error_name(_ffi.MLOPS_ECORRUPT) == "MLOPS_ECORRUPT"
	assert mlops.NotFoundError("x").code_name == "MLOPS_ENOTFOUND"


def test_runtime_version_matches_generated():
	assert mlops.version() == _ffi.MLOPS_VERSION_STRING == mlops.__version__
	assert mlops.version_number() == _ffi.MLOPS_VERSION_NUMBER


def test_library_path_comes_from_env():
	import os
	assert mlops.library_path() is not None
	if os.environ.get("MLOPS_LIBRARY"):
		assert mlops.library_path() == os.environ["MLOPS_LIBRARY"]


def test_loader_candidates_order(monkeypatch, tmp_path):
	from mlops import _lib
	monkeypatch.setenv("MLOPS_LIBRARY", "/x/libmlops.so.0")
	assert list(_lib.candidates()) == ["/x/libmlops.so.0"]
	monkeypatch.delenv("MLOPS_LIBRARY")
	(tmp_path / "build" / "src").mkdir(parents=True)
	(tmp_path / "build" / "src" / "libmlops.so.0").write_bytes(b"")
	monkeypatch.chdir(tmp_path)
	cands = list(_lib.candidates())
	assert str(tmp_path / "build" / "src" / "libmlops.so.0") in cands
	assert cands[-1] == "libmlops.so.0"


def test_every_function_has_argtypes_and_restype():
	import ctypes
	L = mlops._library()
	real = getattr(L, "_real", L)
	for name, (restype, argtypes) in _ffi.SIGNATURES.items():
		fn = getattr(real, name)
		if not hasattr(fn, "argtypes"):
			continue  # not exported by this build: calling it raises VersionError
		assert fn.argtypes == argtypes, name
		assert fn.restype is restype, name
		if _ffi.FUNCTIONS[name] in ("null_on_failure",) or name in ("mlops_store_path", "mlops_error_last"):
			assert fn.restype is not ctypes.c_int, name
