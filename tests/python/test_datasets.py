"""Versioned datasets through the Python bindings."""

import io
import json

import mlops
import pytest


@pytest.fixture
def tree(tmp_path):
	d = tmp_path / "data"
	(d / "sub").mkdir(parents=True)
	(d / "train.csv").write_text("id,x\n1,0.5\n2,1.5\n")
	(d / "sub" / "notes.txt").write_text("v1 notes")
	return d


def test_commit_resolve_and_log(store, tree):
	c1 = store.commit_dataset("iris", tree, message="first", metadata={"source": "unit"})
	assert len(c1.version_id) == 32 and c1.stats.created == 1 and c1.stats.seq == 1 and c1.stats.files == 2
	same = store.commit_dataset("iris", tree)
	assert same.version_id == c1.version_id and same.stats.created == 0
	(tree / "sub" / "notes.txt").write_text("v2 notes, longer")
	c2 = store.commit_dataset("iris", tree, message="second")
	assert c2.stats.seq == 2
	assert store.resolve_dataset("iris") == c2.version_id
	assert store.resolve_dataset("iris@v1") == c1.version_id
	assert store.resolve_dataset(c1.version_id[:8]) == c1.version_id
	v = store.dataset_version("iris@v2")
	assert v.parents == [c1.version_id] and v.message == "second" and v.file_count == 2
	assert json.loads(store.dataset_version("iris@v1").metadata_json) == {"source": "unit"}
	assert [x.seq for x in store.dataset_log("iris")] == [2, 1]
	assert [x.seq for x in store.dataset_log("iris", limit=1)] == [2]
	infos = list(store.datasets())
	assert [(i.name, i.versions, i.latest_seq) for i in infos] == [("iris", 2, 2)]
	with pytest.raises(mlops.NotFoundError):
		store.resolve_dataset("iris@v9")
	with pytest.raises(mlops.InvalidError):
		store.commit_dataset("bad name@", tree)


def test_files_reader_and_tags(store, tree):
	c1 = store.commit_dataset("d", tree, threads=1, ignore=["*.tmp"], always=True, profile=True)
	files = list(store.dataset_files("d"))
	assert [f.path for f in files] == ["sub/notes.txt", "train.csv"]
	csv = files[1]
	assert csv.format == "csv" and csv.rows == 2 and store.get(csv.object_id) == (tree / "train.csv").read_bytes()
	with store.open_dataset_file("d", "train.csv") as r:
		assert r.size == csv.size
		r.seek(3)
		assert r.read(2) == b"x\n"
		r.seek(0, io.SEEK_SET)
		assert r.read() == (tree / "train.csv").read_bytes()
	store.tag_dataset("d", "gold")
	store.tag_dataset("d", "gold")  # same version: a no-op
	store.set_dataset_ref("d", "prod")
	refs = {r.name: r for r in store.dataset_refs("d")}
	assert refs["gold"].is_tag == 1 and refs["prod"].is_tag == 0 and refs["gold"].version_id == c1.version_id
	assert store.dataset_version("d").tags == ["gold"]
	(tree / "train.csv").write_text("id,x\n1,0.5\n")
	c2 = store.commit_dataset("d", tree)
	with pytest.raises(mlops.ExistsError):
		store.tag_dataset("d", "gold")
	store.set_dataset_ref("d", "prod")  # refs move
	assert store.resolve_dataset("d@prod") == c2.version_id
	store.untag_dataset("d", "gold")
	store.delete_dataset_ref("d", "prod")
	assert list(store.dataset_refs("d")) == []
	with pytest.raises(mlops.NotFoundError):
		store.untag_dataset("d", "gold")


def test_diff(store, tree):
	store.commit_dataset("d", tree)
	(tree / "train.csv").write_text("id,x,y\n1,0.5,a\n")
	(tree / "new.txt").write_text("added")
	(tree / "sub" / "notes.txt").unlink()
	store.commit_dataset("d", tree)
	changes = {e.path: mlops.dataset_change_name(e.change) for e in store.diff_datasets("d@v1", "d@v2")}
	assert changes == {"new.txt": "added", "sub/notes.txt": "deleted", "train.csv": "modified"}
	mod = [e for e in store.diff_datasets("d@v1", "d@v2") if e.path == "train.csv"][0]
	assert mod.old_rows == 2 and mod.new_rows == 1 and json.loads(mod.schema_change)["added"][0]["name"] == "y"


def test_checkout_and_status(store, tree, tmp_path):
	store.commit_dataset("d", tree)
	work = tmp_path / "work"
	st = store.checkout_dataset("d", work)
	assert st.files_written == 2 and (work / "train.csv").read_text() == (tree / "train.csv").read_text()
	clean = store.dataset_status(work)
	assert clean.entries == [] and clean.counts.unchanged == 2 and len(clean.counts.version_id) == 32
	(work / "train.csv").write_text("changed\n")
	(work / "extra.txt").write_text("new")
	status = store.dataset_status(work, "d", unchanged=True, use_cache=False, update_cache=False)
	kinds = {e.path: mlops.dataset_change_name(e.change) for e in status.entries}
	assert kinds == {"extra.txt": "added", "sub/notes.txt": "unchanged", "train.csv": "modified"}
	assert status.counts.modified == 1 and status.counts.added == 1
	with pytest.raises(mlops.ConflictError):
		store.checkout_dataset("d", work)
	forced = store.checkout_dataset("d", work, force=True)
	assert forced.files_written == 1 and (work / "train.csv").read_text() == (tree / "train.csv").read_text()
	assert store.dataset_status(work, ignore=["extra.*"]).entries == []


def test_push_pull_and_lineage(store, tree, tmp_path):
	with store.start_run() as run:
		pass
	c = store.commit_dataset("d", tree, run_id=run.id)
	assert any(e.to_id == c.version_id for e in store.lineage(mlops.KIND_RUN, run.id))
	with mlops.open(tmp_path / "remote") as remote:
		pushed = store.push_dataset(remote, "d")
		assert pushed.created == 1 and pushed.version_id == c.version_id and pushed.blobs_copied > 0
		assert remote.resolve_dataset("d") == c.version_id
		again = store.push_dataset(remote, "d")
		assert again.created == 0
		with mlops.open(tmp_path / "third") as third:
			pulled = third.pull_dataset(remote, "d")
			assert pulled.created == 1 and pulled.seq == 1
			assert [f.path for f in third.dataset_files("d")] == ["sub/notes.txt", "train.csv"]


def test_delete_dataset(store, tree):
	store.commit_dataset("gone", tree)
	store.tag_dataset("gone", "t")
	objects = [f.object_id for f in store.dataset_files("gone")]
	store.delete_dataset("gone")
	assert [d.name for d in store.datasets()] == []
	with pytest.raises(mlops.NotFoundError):
		store.resolve_dataset("gone")
	with pytest.raises(mlops.NotFoundError):
		store.delete_dataset("gone")
	assert "dataset.delete" in [a.action for a in store.audit()]
	assert store.gc(grace_seconds=0).objects_removed >= len(objects)  # its objects became garbage
	assert not any(store.exists(o) for o in objects)
