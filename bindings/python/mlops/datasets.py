"""Versioned datasets: commit, resolve, log, files, tags and refs, diff, checkout, status, streams, push/pull."""

from __future__ import annotations

import io
import json
from ctypes import POINTER, byref, c_char, c_size_t, c_void_p, create_string_buffer
from dataclasses import dataclass
from typing import Any, Iterator, List, Mapping, Optional, Sequence

from . import _ffi
from ._iter import CIterator
from ._lib import lib
from ._records import (DatasetCheckoutStats, DatasetCommitStats, DatasetDiffEntry, DatasetFile, DatasetInfo,
                       DatasetRef, DatasetStatusCounts, DatasetStatusEntry, DatasetTransferStats,
                       DatasetVersionInfo)
from ._util import enc, options
from .errors import InvalidError, check


def dataset_change_name(change: int) -> str:
	""""added", "deleted", "modified", "unchanged" or "unknown"."""
	return lib().mlops_dataset_change_name(change).decode()


@dataclass
class DatasetCommit:
	"""The result of a commit: the version id (the parent's when nothing changed) and the statistics."""
	version_id: str
	stats: DatasetCommitStats


@dataclass
class DatasetStatus:
	"""A directory compared with a version: the totals and the entries (changed paths, in path order)."""
	counts: DatasetStatusCounts
	entries: List[DatasetStatusEntry]


class DatasetReader(io.RawIOBase):
	"""One file of a dataset version as a seekable binary file object (verified chunk by chunk)."""

	def __init__(self, handle: c_void_p):
		super().__init__()
		self._handle = handle
		self._pos = 0
		self._size = lib().mlops_dataset_file_size(handle)

	@property
	def size(self) -> int:
		return self._size

	def readable(self) -> bool:
		"""Always True."""
		return True

	def seekable(self) -> bool:
		"""Always True."""
		return True

	def readinto(self, b) -> int:
		"""Read into a writable buffer; returns the number of bytes read (0 at the end)."""
		if self._handle is None:
			raise ValueError("I/O operation on a closed dataset reader")
		mv = memoryview(b).cast("B")
		if mv.nbytes == 0:
			return 0
		L = lib()
		got = c_size_t()
		check(L, L.mlops_dataset_file_read(byref(got), self._handle, (c_char * mv.nbytes).from_buffer(mv),
		                                   mv.nbytes))
		self._pos += got.value
		return got.value

	def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
		"""Move to offset (whence SEEK_SET, SEEK_CUR or SEEK_END); returns the new position."""
		if self._handle is None:
			raise ValueError("I/O operation on a closed dataset reader")
		if whence == io.SEEK_CUR:
			offset += self._pos
		elif whence == io.SEEK_END:
			offset += self._size
		elif whence != io.SEEK_SET:
			raise InvalidError("whence must be SEEK_SET, SEEK_CUR or SEEK_END")
		L = lib()
		check(L, L.mlops_dataset_file_seek(self._handle, offset))
		self._pos = offset
		return offset

	def tell(self) -> int:
		"""The current position."""
		return self._pos

	def close(self) -> None:
		"""Release the reader."""
		h, self._handle = getattr(self, "_handle", None), None
		if h:
			lib().mlops_dataset_reader_free(h)
		super().close()


class DatasetsAPI:
	"""Dataset calls of a Store (mixed into mlops.Store)."""

	_h: c_void_p

	def commit_dataset(self, name: str, path, *, message: Optional[str] = None,
	                   metadata: Optional[Mapping[str, Any]] = None, parents: Optional[Sequence[str]] = None,
	                   run_id: Optional[str] = None, ignore: Optional[Sequence[str]] = None, threads: int = 0,
	                   root: bool = False, always: bool = False, profile: bool = True,
	                   use_cache: bool = True) -> DatasetCommit:
		"""Commit a file or directory as a new version of dataset `name` (created on first commit)."""
		L = lib()
		keep: List = []
		flags = ((_ffi.MLOPS_DATASET_COMMIT_ROOT if root else 0) | (_ffi.MLOPS_DATASET_COMMIT_ALWAYS if always else 0)
		         | (0 if profile else _ffi.MLOPS_DATASET_COMMIT_NO_PROFILE)
		         | (0 if use_cache else _ffi.MLOPS_DATASET_COMMIT_NO_CACHE))
		opts = options(_ffi.mlops_dataset_commit_options, "mlops_dataset_commit_options_init",
		               _ffi.MLOPS_DATASET_COMMIT_OPTIONS_VERSION, keep, message=message,
		               metadata_json=None if metadata is None else json.dumps(metadata), parents=parents,
		               run_id=run_id, ignore=ignore, threads=threads, flags=flags)
		out = create_string_buffer(_ffi.MLOPS_DATASET_VERSION_ID_BUFSIZE)
		stats = _ffi.mlops_dataset_commit_stats(version=_ffi.MLOPS_DATASET_COMMIT_STATS_VERSION)
		check(L, L.mlops_dataset_commit(out, byref(stats), self._h, enc(name), enc(path), byref(opts)))
		return DatasetCommit(out.value.decode(), DatasetCommitStats._from_c(stats))

	def resolve_dataset(self, spec: str) -> str:
		"""The version id a spec ("name", "name@v3", "name@tag", an id prefix) names."""
		L = lib()
		out = create_string_buffer(_ffi.MLOPS_DATASET_VERSION_ID_BUFSIZE)
		check(L, L.mlops_dataset_resolve(out, self._h, enc(spec)))
		return out.value.decode()

	def dataset_version(self, spec: str) -> DatasetVersionInfo:
		"""A version's information (dataset, sequence number, parents, tags, metadata, ...)."""
		L = lib()
		out = POINTER(_ffi.mlops_dataset_version_info)()
		check(L, L.mlops_dataset_version_get(byref(out), self._h, enc(spec)))
		try:
			return DatasetVersionInfo._from_c(out.contents)
		finally:
			L.mlops_dataset_version_info_free(out)

	def dataset_log(self, spec: str, limit: int = 0) -> Iterator[DatasetVersionInfo]:
		"""Versions newest first: every version of a dataset, or a version and its ancestors."""
		L = lib()
		it = c_void_p()
		check(L, L.mlops_dataset_log(byref(it), self._h, enc(spec), limit))
		return CIterator(it, "mlops_dataset_log_next", "mlops_dataset_version_iter_free",
		                 DatasetVersionInfo._from_c)

	def datasets(self) -> Iterator[DatasetInfo]:
		"""The datasets of the store in name order."""
		L = lib()
		it = c_void_p()
		check(L, L.mlops_dataset_list(byref(it), self._h))
		return CIterator(it, "mlops_dataset_list_next", "mlops_dataset_iter_free", DatasetInfo._from_c)

	def dataset_files(self, spec: str) -> Iterator[DatasetFile]:
		"""The files of a version in path order (size, mode, content id, tabular profile summary)."""
		L = lib()
		it = c_void_p()
		check(L, L.mlops_dataset_files(byref(it), self._h, enc(spec)))
		return CIterator(it, "mlops_dataset_files_next", "mlops_dataset_file_iter_free", DatasetFile._from_c)

	def delete_dataset(self, name: str) -> None:
		"""Delete a dataset with all its versions, tags and refs (its objects become garbage for gc)."""
		L = lib()
		check(L, L.mlops_dataset_delete(self._h, enc(name)))

	def tag_dataset(self, spec: str, tag: str) -> None:
		"""Tag the version spec names (tags are fixed: another version raises ExistsError)."""
		L = lib()
		check(L, L.mlops_dataset_tag(self._h, enc(spec), enc(tag)))

	def untag_dataset(self, dataset: str, tag: str) -> None:
		"""Delete a tag of a dataset. Raises NotFoundError."""
		L = lib()
		check(L, L.mlops_dataset_untag(self._h, enc(dataset), enc(tag)))

	def set_dataset_ref(self, spec: str, ref: str) -> None:
		"""Point a movable ref of the version's dataset at the version spec names."""
		L = lib()
		check(L, L.mlops_dataset_ref_set(self._h, enc(spec), enc(ref)))

	def delete_dataset_ref(self, dataset: str, ref: str) -> None:
		"""Delete a ref of a dataset. Raises NotFoundError."""
		L = lib()
		check(L, L.mlops_dataset_ref_delete(self._h, enc(dataset), enc(ref)))

	def dataset_refs(self, dataset: str) -> Iterator[DatasetRef]:
		"""The tags and refs of a dataset in name order."""
		L = lib()
		it = c_void_p()
		check(L, L.mlops_dataset_refs(byref(it), self._h, enc(dataset)))
		return CIterator(it, "mlops_dataset_refs_next", "mlops_dataset_ref_iter_free", DatasetRef._from_c)

	def diff_datasets(self, old_spec: str, new_spec: str) -> Iterator[DatasetDiffEntry]:
		"""The paths that differ between two versions, in path order."""
		L = lib()
		it = c_void_p()
		check(L, L.mlops_dataset_diff_new(byref(it), self._h, enc(old_spec), enc(new_spec)))
		return CIterator(it, "mlops_dataset_diff_next", "mlops_dataset_diff_free", DatasetDiffEntry._from_c)

	def checkout_dataset(self, spec: str, directory, *, force: bool = False) -> DatasetCheckoutStats:
		"""Write a version into a directory; local modifications raise ConflictError unless force."""
		L = lib()
		keep: List = []
		opts = options(_ffi.mlops_dataset_checkout_options, "mlops_dataset_checkout_options_init",
		               _ffi.MLOPS_DATASET_CHECKOUT_OPTIONS_VERSION, keep,
		               flags=_ffi.MLOPS_DATASET_CHECKOUT_FORCE if force else 0)
		out = _ffi.mlops_dataset_checkout_stats(version=_ffi.MLOPS_DATASET_CHECKOUT_STATS_VERSION)
		check(L, L.mlops_dataset_checkout(byref(out), self._h, enc(spec), enc(directory), byref(opts)))
		return DatasetCheckoutStats._from_c(out)

	def dataset_status(self, path, spec: Optional[str] = None, *, ignore: Optional[Sequence[str]] = None,
	                   unchanged: bool = False, use_cache: bool = True, update_cache: bool = True) -> DatasetStatus:
		"""Compare a file or directory with a version (default: the directory's head)."""
		L = lib()
		keep: List = []
		flags = ((_ffi.MLOPS_DATASET_STATUS_UNCHANGED if unchanged else 0)
		         | (0 if use_cache else _ffi.MLOPS_DATASET_STATUS_NO_CACHE)
		         | (0 if update_cache else _ffi.MLOPS_DATASET_STATUS_NO_UPDATE))
		opts = options(_ffi.mlops_dataset_status_options, "mlops_dataset_status_options_init",
		               _ffi.MLOPS_DATASET_STATUS_OPTIONS_VERSION, keep, ignore=ignore, flags=flags)
		counts = _ffi.mlops_dataset_status_counts(version=_ffi.MLOPS_DATASET_STATUS_COUNTS_VERSION)
		it = c_void_p()
		check(L, L.mlops_dataset_status(byref(it), byref(counts), self._h, enc(path), enc(spec), byref(opts)))
		entries = list(CIterator(it, "mlops_dataset_status_next", "mlops_dataset_status_iter_free",
		                         DatasetStatusEntry._from_c))
		return DatasetStatus(DatasetStatusCounts._from_c(counts), entries)

	def open_dataset_file(self, spec: str, path: Optional[str] = None) -> DatasetReader:
		"""A file of a version as a seekable binary file object (path None for a one-file version)."""
		L = lib()
		h = c_void_p()
		check(L, L.mlops_dataset_file_open(byref(h), self._h, enc(spec), enc(path)))
		return DatasetReader(h)

	def push_dataset(self, dst: "DatasetsAPI", spec: str) -> DatasetTransferStats:
		"""Copy the version spec names from this store into dst (blobs dst lacks, then one transaction)."""
		L = lib()
		out = _ffi.mlops_dataset_transfer_stats(version=_ffi.MLOPS_DATASET_TRANSFER_STATS_VERSION)
		check(L, L.mlops_dataset_push(byref(out), self._h, dst._h, enc(spec)))
		return DatasetTransferStats._from_c(out)

	def pull_dataset(self, src: "DatasetsAPI", spec: str) -> DatasetTransferStats:
		"""Copy the version spec names in src into this store."""
		L = lib()
		out = _ffi.mlops_dataset_transfer_stats(version=_ffi.MLOPS_DATASET_TRANSFER_STATS_VERSION)
		check(L, L.mlops_dataset_pull(byref(out), self._h, src._h, enc(spec)))
		return DatasetTransferStats._from_c(out)
