"""The store handle: open options, info, verify, gc, lineage and audit."""

import os

import mlops
import pytest


def test_open_creates_and_reports_path(tmp_path):
	p = tmp_path / "s"
	with mlops.open(p, actor="alice") as st:
		assert st.path == str(p)
		assert not st.closed
		assert repr(st).startswith("<mlops.Store")
	assert st.closed
	assert (p / "mlops.db").exists()
	with pytest.raises(mlops.InvalidError):
		st.info()
	st.close()  # twice is fine


def test_must_exist_and_readonly(tmp_path):
	with pytest.raises(mlops.NotFoundError):
		mlops.open(tmp_path / "missing", must_exist=True)
	p = tmp_path / "s"
	with mlops.open(p) as st:
		oid = st.put(b"data")
	with mlops.open(p, readonly=True, must_exist=True) as ro:
		assert ro.get(oid) == b"data"
		with pytest.raises(mlops.ReadOnlyError):
			ro.put(b"more")
		with pytest.raises(mlops.ReadOnlyError):
			ro.pin("x", oid)


def test_options_are_validated(tmp_path):
	with pytest.raises(mlops.InvalidError):
		mlops.open(tmp_path / "s", sync="sometimes")
	with mlops.open(tmp_path / "s", sync="full", compression_level=19, busy_timeout_ms=100) as st:
		assert st.get(st.put(b"x" * 1000)) == b"x" * 1000
	with mlops.open(tmp_path / "t", sync=mlops.SYNC_OFF) as st:
		assert st.exists(st.put(b"y"))


def test_sqlite_and_memory_backends(tmp_path):
	with mlops.open(tmp_path / "one.db", backend="sqlite") as st:
		oid = st.put(b"in one file")
		assert st.get(oid) == b"in one file"
	assert (tmp_path / "one.db").is_file()
	with mlops.open(":memory:") as st:
		assert st.get(st.put(b"mem")) == b"mem"


def test_info_counts(store):
	before = store.info()
	assert before.format_version >= 1
	oid = store.put(b"a" * 100)
	store.pin("p", oid)
	store.add_lineage("object", oid, "run", "r", "input")
	after = store.info()
	assert after.object_count == before.object_count + 1
	assert after.pin_count == before.pin_count + 1
	assert after.lineage_edges == before.lineage_edges + 1
	assert after.audit_rows > before.audit_rows
	assert after.metadata_bytes > 0 and after.object_bytes > 0


def test_verify_clean_then_corrupt(tmp_path):
	p = tmp_path / "s"
	with mlops.open(p) as st:
		oid = st.put(b"precious bytes " * 10)
		st.pin("keep", oid)
		res = st.verify()
		assert res.ok and res.problems == []
		assert res.stats.objects_checked >= 1 and res.stats.bytes_checked >= 150
	blobs = [os.path.join(d, f) for d, _, fs in os.walk(p / "objects") for f in fs]
	assert blobs
	for b in blobs:
		with open(b, "r+b") as f:
			f.seek(-1, os.SEEK_END)
			last = f.read(1)
			f.seek(-1, os.SEEK_END)
			f.write(bytes([last[0] ^ 0xFF]))
	with mlops.open(p) as st:
		res = st.verify()
		assert not res.ok
		assert res.stats.objects_corrupt >= 1
		assert any(pr["kind"] == "corrupt" for pr in res.problems)
		with pytest.raises(mlops.CorruptError):
			st.get(oid)


def test_gc_removes_unpinned(store):
	keep = store.put(b"keep me")
	drop = store.put(b"drop me")
	store.pin("k", keep)
	dry = store.gc(dry_run=True, grace_seconds=0)
	assert dry.objects_removed >= 1
	assert store.exists(drop)
	real = store.gc(grace_seconds=0)
	assert real.objects_removed == dry.objects_removed and real.bytes_removed > 0
	assert not store.exists(drop)
	assert store.get(keep) == b"keep me"
	young = store.put(b"young")
	assert store.gc().objects_young >= 1  # default grace keeps it
	assert store.exists(young)


def test_lineage_walk_both_directions(store):
	store.add_lineage("dataset_version", "d1", "run", "r1", "input")
	store.add_lineage("run", "r1", "model_version", "m1", "produced")
	store.add_lineage("run", "r1", "model_version", "m1", "produced")  # no second row
	down = list(store.lineage("dataset_version", "d1"))
	assert [(e.to_kind, e.to_id, e.depth) for e in down] == [("run", "r1", 1), ("model_version", "m1", 2)]
	assert down[0].relation == "input" and down[0].created_ms > 0
	assert len(list(store.lineage("dataset_version", "d1", max_depth=1))) == 1
	up = list(store.lineage("model_version", "m1", direction="upstream"))
	assert [e.from_id for e in up] == ["r1", "d1"]
	with pytest.raises(mlops.InvalidError):
		store.lineage("run", "r1", direction="sideways")
	it = store.lineage("dataset_version", "d1")
	with it:
		assert next(it).to_id == "r1"
	assert list(it) == []  # closed early


def test_audit_rows(store):
	oid = store.put(b"x")
	store.pin("name", oid)
	store.unpin("name")
	rows = list(store.audit())
	actions = [r.action for r in rows]
	assert "object.pin" in actions and "object.unpin" in actions
	pin = [r for r in rows if r.action == "object.pin"][0]
	assert pin.actor == "pytest" and pin.object_id == oid
	assert list(store.audit(since_ms=rows[-1].time_ms + 10_000)) == []
	df = store.audit_frame()
	assert list(df["action"]) == actions
