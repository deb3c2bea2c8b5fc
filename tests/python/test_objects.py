"""Objects: put/get, files, streaming reader and writer, pins."""

import io
import os

import mlops
import numpy as np
import pytest


def test_put_get_roundtrip_various_buffers(store):
	for data in (b"", b"abc", bytearray(b"mutable"), memoryview(b"view"), np.arange(1000, dtype=np.int32)):
		oid = store.put(data)
		assert len(oid) == 32 and all(c in "0123456789abcdef" for c in oid)
		assert store.get(oid) == bytes(memoryview(data).cast("B"))
		assert store.size(oid) == memoryview(data).nbytes
		assert store.exists(oid)
	assert store.put(b"abc") == store.put(bytearray(b"abc"))  # content addressed


def test_missing_and_bad_ids(store):
	absent = "0" * 32
	assert not store.exists(absent)
	with pytest.raises(mlops.NotFoundError):
		store.get(absent)
	with pytest.raises(mlops.NotFoundError):
		store.size(absent)
	with pytest.raises(mlops.InvalidError):
		store.exists("xyz")


def test_large_object_is_chunked_and_deduplicated(store):
	rng = np.random.default_rng(1)
	big = rng.integers(0, 256, size=3 * 1024 * 1024, dtype=np.uint8).tobytes()
	oid = store.put(big)
	before = store.info().object_count
	changed = big[:1000] + b"X" + big[1001:]
	oid2 = store.put(changed)
	assert oid2 != oid
	added = store.info().object_count - before
	assert 1 <= added < 10  # only the changed chunk(s) and a manifest
	assert store.get(oid2) == changed


def test_files(store, tmp_path):
	src = tmp_path / "in.bin"
	src.write_bytes(os.urandom(200_000))
	oid = store.put_file(src)
	assert oid == store.put(src.read_bytes())
	dst = tmp_path / "out.bin"
	store.get_file(oid, dst)
	assert dst.read_bytes() == src.read_bytes()
	with pytest.raises(mlops.NotFoundError):
		store.put_file(tmp_path / "nope")


def test_reader_read_seek(store):
	data = bytes(range(256)) * 1000
	oid = store.put(data)
	with store.open_reader(oid) as r:
		assert r.size == len(data) and r.readable() and r.seekable()
		assert r.read(10) == data[:10]
		assert r.tell() == 10
		r.seek(1000)
		assert r.read(5) == data[1000:1005]
		r.seek(-4, io.SEEK_END)
		assert r.read() == data[-4:]
		assert r.read(10) == b""
		r.seek(-10, io.SEEK_CUR)
		buf = bytearray(6)
		assert r.readinto(buf) == 6 and bytes(buf) == data[-10:-4]
		r.seek(0)
		assert r.read() == data
		with pytest.raises(mlops.InvalidError):
			r.seek(len(data) + 1)
	assert r.closed
	with pytest.raises(ValueError):
		r.seek(0)
	wrapped = io.BufferedReader(store.open_reader(oid))
	assert wrapped.read() == data


def test_writer_commits_or_abandons(store):
	with store.open_writer() as w:
		for i in range(100):
			w.write(b"line %d\n" % i)
	assert w.id is not None
	assert store.get(w.id) == b"".join(b"line %d\n" % i for i in range(100))
	with pytest.raises(RuntimeError):
		with store.open_writer() as w2:
			w2.write(b"half")
			raise RuntimeError("stop")
	assert w2.id is None
	w3 = store.open_writer()
	w3.write(np.ones(10, dtype=np.float64))
	oid = w3.commit()
	w3.close()
	assert store.get(oid) == np.ones(10).tobytes()
	with pytest.raises(ValueError):
		w3.write(b"late")


def test_pins(store):
	a, b = store.put(b"a"), store.put(b"b")
	store.pin("model", a)
	assert store.pinned("model") == a
	store.pin("model", b)  # replaces
	assert store.pinned("model") == b
	store.unpin("model")
	with pytest.raises(mlops.NotFoundError):
		store.pinned("model")
	with pytest.raises(mlops.NotFoundError):
		store.unpin("model")
