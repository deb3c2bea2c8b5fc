"""Blob backends: built-in instances, Python-implemented backends, registration, failures."""

import mlops
import pytest
from mlops import _ffi


class FailingBackend(mlops.DictBackend):
	"""Fails writes once armed, to check that backend errors reach the caller with their code."""

	def __init__(self):
		super().__init__()
		self.fail = None

	def write(self, key, data):
		if self.fail is not None:
			raise self.fail
		super().write(key, data)


def test_builtin_names():
	assert mlops.BUILTIN_BACKENDS == ("fs", "memory", "sqlite")


def test_new_backend_instance_given_to_store(tmp_path):
	inst = mlops.new_backend("memory")
	with mlops.open(tmp_path / "s", backend_instance=inst) as st:
		oid = st.put(b"via an instance")
		assert st.get(oid) == b"via an instance"
	inst.close()  # the store owned it: a no-op
	with pytest.raises(mlops.MlopsError):
		mlops.open(tmp_path / "t", backend_instance=inst)
	with mlops.new_backend("fs", str(tmp_path / "blobs")) as fs_inst:
		assert fs_inst._ptr
	with pytest.raises(mlops.NotFoundError):
		mlops.new_backend("no-such-backend")


def test_python_backend_holds_the_blobs(tmp_path):
	be = mlops.DictBackend()
	with mlops.open(tmp_path / "s", backend_instance=be) as st:
		oid = st.put(b"kept in a dict" * 1000)
		assert be.blobs, "the library wrote through the Python backend"
		assert st.get(oid) == b"kept in a dict" * 1000
		big = bytes(range(256)) * 2000
		boid = st.put(big)
		assert len(be.blobs) >= 3  # chunks and a manifest
		with st.open_reader(boid) as r:
			r.seek(100_000)
			assert r.read(10) == big[100_000:100_010]
		st.pin("p", oid)
		assert st.verify().ok
		removed = st.gc(grace_seconds=0)
		assert removed.objects_removed >= 1  # the unpinned big object, listed and removed through Python
		assert not st.exists(boid)
		assert st.get(oid) == b"kept in a dict" * 1000


def test_backend_errors_become_exceptions(tmp_path):
	be = FailingBackend()
	with mlops.open(tmp_path / "s", backend_instance=be) as st:
		be.fail = OSError("disk on fire")
		with pytest.raises(mlops.IOError_):
			st.put(b"new content 1")
		be.fail = mlops.NoSpaceError("full")
		with pytest.raises(mlops.NoSpaceError):
			st.put(b"new content 2")
		be.fail = None
		assert st.get(st.put(b"new content 3")) == b"new content 3"


def test_register_python_factory(tmp_path):
	made = []

	def factory(location, sync):
		made.append((location, sync))
		return mlops.DictBackend()

	mlops.register_backend("pydict", factory)
	try:
		with mlops.open(tmp_path / "s", backend="pydict", sync="full") as st:
			assert st.get(st.put(b"registered")) == b"registered"
		assert made and made[0][1] == mlops.SYNC_FULL
		mlops.register_backend("pydict", lambda loc, sync: mlops.new_backend("memory"))  # replace
		with mlops.open(tmp_path / "t", backend="pydict") as st:
			assert st.get(st.put(b"wrapped builtin")) == b"wrapped builtin"
	finally:
		mlops.unregister_backend("pydict")
	with pytest.raises(mlops.NotFoundError):
		mlops.unregister_backend("pydict")
	with pytest.raises(mlops.MlopsError):
		mlops.open(tmp_path / "u", backend="pydict")


def test_builtin_names_cannot_be_replaced():
	with pytest.raises(mlops.ExistsError):
		mlops.register_backend("fs", lambda loc, sync: mlops.DictBackend())
	with pytest.raises(mlops.InvalidError):
		mlops.unregister_backend("memory")


def test_factory_failure_reaches_open(tmp_path):
	def factory(location, sync):
		raise mlops.BusyError("not now")

	mlops.register_backend("broken", factory)
	try:
		with pytest.raises(mlops.BusyError):
			mlops.open(tmp_path / "s", backend="broken")
	finally:
		mlops.unregister_backend("broken")


def test_alloc_is_used_for_backend_reads(tmp_path):
	be = mlops.DictBackend()
	with mlops.open(tmp_path / "s", backend_instance=be) as st:
		oid = st.put(b"")
		assert st.get(oid) == b""  # a zero-byte blob still gets a 1-byte allocation
	assert _ffi.FUNCTIONS["mlops_alloc"] == "null_on_failure"


def test_forgotten_store_is_freed_when_collected(tmp_path):
	import gc
	closed = []

	class Tracked(mlops.DictBackend):
		def close(self):
			closed.append(True)

	st = mlops.open(tmp_path / "s", backend_instance=Tracked())
	st.put(b"left open")
	del st
	gc.collect()
	assert closed == [True]  # the library freed the store, and with it the backend
