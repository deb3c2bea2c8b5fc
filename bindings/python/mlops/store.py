"""The store handle: opening, info, verify, gc, objects, pins, lineage and the audit log."""

from __future__ import annotations

import json
import os
from ctypes import byref, c_int, c_size_t, c_uint64, c_void_p, create_string_buffer, string_at
from dataclasses import dataclass, fields
from typing import Any, Dict, Iterator, List, Optional, Union

from . import _ffi
from ._lib import lib
from ._util import dec, enc
from .errors import InvalidError, check, last_error
from ._iter import CIterator
from ._records import AuditEntry, GcStats, LineageEdge, StoreInfo, VerifyStats
from .datasets import DatasetsAPI
from .objects import ObjectReader, ObjectWriter, buffer_arg
from .runs import RunsAPI
from .runs_search import SearchAPI
from .tables import TablesAPI

PathLike = Union[str, "os.PathLike[str]"]

SYNC_MODES = {"normal": _ffi.MLOPS_SYNC_NORMAL, "full": _ffi.MLOPS_SYNC_FULL, "off": _ffi.MLOPS_SYNC_OFF}
DIRECTIONS = {"downstream": _ffi.MLOPS_LINEAGE_DOWNSTREAM, "upstream": _ffi.MLOPS_LINEAGE_UPSTREAM}


@dataclass(frozen=True)
class VerifyResult:
	"""What mlops_store_verify found: the counters and the parsed report (one dict per problem)."""
	stats: VerifyStats
	problems: List[Dict[str, Any]]

	@property
	def ok(self) -> bool:
		s = self.stats
		return not (s.objects_corrupt or s.objects_missing or s.metadata_errors or self.problems)


def open(path: PathLike, *, backend: Optional[str] = None, actor: Optional[str] = None, readonly: bool = False,
         must_exist: bool = False, compression_level: int = 0, sync: Union[str, int] = "normal",
         busy_timeout_ms: int = 0, backend_instance=None) -> "Store":
	"""Open (or create) the store at path; use as `with mlops.open(path) as store:`.

	path is a directory, a single file with backend="sqlite", or ":memory:". backend names a built-in ("fs",
	"memory", "sqlite") or registered backend; backend_instance is a ready backend (mlops.Backend subclass or
	mlops.new_backend()) that the store takes over. Raises NotFoundError (must_exist), VersionError, ReadOnlyError,
	CorruptError or IOError_.
	"""
	L = lib()
	opts = _ffi.mlops_store_options()
	check(L, L.mlops_store_options_init(byref(opts), _ffi.MLOPS_STORE_OPTIONS_VERSION))
	keep = [enc(backend), enc(actor)]
	opts.backend = keep[0]
	opts.actor = keep[1]
	opts.flags = (_ffi.MLOPS_STORE_READONLY if readonly else 0) | (_ffi.MLOPS_STORE_MUST_EXIST if must_exist else 0)
	opts.compression_level = compression_level
	if isinstance(sync, str):
		if sync not in SYNC_MODES:
			raise InvalidError("sync must be one of %s, not %r" % (", ".join(SYNC_MODES), sync))
		sync = SYNC_MODES[sync]
	opts.sync = sync
	opts.busy_timeout_ms = busy_timeout_ms
	if backend_instance is not None:
		opts.backend_instance = backend_instance._lend()
	handle = c_void_p()
	rc = L.mlops_store_open(byref(handle), enc(path), byref(opts))
	if backend_instance is not None:
		backend_instance._settle(rc >= 0)
	check(L, rc)
	return Store(handle)


class Store(RunsAPI, SearchAPI, DatasetsAPI, TablesAPI):
	"""An open store. Close it with close() or a `with` block; a forgotten store is closed when collected."""

	def __init__(self, handle: c_void_p):
		self._handle = handle

	def __enter__(self) -> "Store":
		return self

	def __exit__(self, *exc) -> None:
		self.close()

	def __del__(self):
		try:
			self.close()
		except Exception:
			pass

	def close(self) -> None:
		"""Close the store (readers, writers and iterators made from it stay usable). Calling it twice is fine."""
		h, self._handle = self._handle, None
		if h:
			lib().mlops_store_free(h)

	@property
	def closed(self) -> bool:
		return not self._handle

	@property
	def _h(self) -> c_void_p:
		if not self._handle:
			raise InvalidError("the store is closed")
		return self._handle

	@property
	def path(self) -> str:
		"""The path the store was opened with."""
		return dec(lib().mlops_store_path(self._h))

	def __repr__(self) -> str:
		return "<mlops.Store %r%s>" % (None if self.closed else self.path, " closed" if self.closed else "")

	# ---- maintenance ----

	def info(self) -> StoreInfo:
		"""Counts and sizes of the store."""
		L = lib()
		out = _ffi.mlops_store_info(version=_ffi.MLOPS_STORE_INFO_VERSION)
		check(L, L.mlops_store_info_get(byref(out), self._h))
		return StoreInfo._from_c(out)

	def verify(self) -> VerifyResult:
		"""Check the whole store without modifying it; problems are in the result, not raised."""
		L = lib()
		out = _ffi.mlops_verify_stats(version=_ffi.MLOPS_VERIFY_STATS_VERSION)
		report = c_void_p()
		check(L, L.mlops_store_verify(byref(out), byref(report), self._h))
		problems: List[Dict[str, Any]] = []
		if report.value:
			try:
				problems = json.loads(string_at(report.value).decode("utf-8"))
			finally:
				L.mlops_free(report)
		return VerifyResult(VerifyStats._from_c(out), problems)

	def gc(self, *, dry_run: bool = False, grace_seconds: Optional[int] = None) -> GcStats:
		"""Remove blobs nothing references (keeping those younger than grace_seconds, default one hour)."""
		L = lib()
		opts = _ffi.mlops_gc_options()
		check(L, L.mlops_gc_options_init(byref(opts), _ffi.MLOPS_GC_OPTIONS_VERSION))
		opts.dry_run = 1 if dry_run else 0
		if grace_seconds is not None:
			opts.grace_seconds = grace_seconds
		out = _ffi.mlops_gc_stats(version=_ffi.MLOPS_GC_STATS_VERSION)
		check(L, L.mlops_store_gc(byref(out), self._h, byref(opts)))
		return GcStats._from_c(out)

	# ---- objects ----

	def put(self, data) -> str:
		"""Store bytes (any bytes-like object, e.g. a numpy array's buffer) and return the object id."""
		L = lib()
		ptr, size, _keep = buffer_arg(data)
		out = create_string_buffer(_ffi.MLOPS_OID_BUFSIZE)
		check(L, L.mlops_object_put(out, self._h, ptr, size))
		return out.value.decode()

	def put_file(self, path: PathLike) -> str:
		"""Store the content of a file (streamed, any size) and return the object id."""
		L = lib()
		out = create_string_buffer(_ffi.MLOPS_OID_BUFSIZE)
		check(L, L.mlops_object_put_file(out, self._h, enc(path)))
		return out.value.decode()

	def get(self, oid: str) -> bytes:
		"""Read a whole object. Raises NotFoundError, CorruptError (no bytes returned) or InvalidError."""
		L = lib()
		data, size = c_void_p(), c_size_t()
		check(L, L.mlops_object_get(byref(data), byref(size), self._h, enc(oid)))
		try:
			return string_at(data.value, size.value) if size.value else b""
		finally:
			L.mlops_free(data)

	def get_file(self, oid: str, path: PathLike) -> None:
		"""Write an object to a file atomically."""
		L = lib()
		check(L, L.mlops_object_get_file(self._h, enc(oid), enc(path)))

	def exists(self, oid: str) -> bool:
		"""Whether the object and all its chunks are stored."""
		L = lib()
		out = c_int()
		check(L, L.mlops_object_exists(byref(out), self._h, enc(oid)))
		return bool(out.value)

	def size(self, oid: str) -> int:
		"""The uncompressed size of an object."""
		L = lib()
		out = c_uint64()
		check(L, L.mlops_object_size(byref(out), self._h, enc(oid)))
		return out.value

	def open_reader(self, oid: str) -> ObjectReader:
		"""A seekable binary file object over one object (verified chunk by chunk)."""
		return ObjectReader._open(self._h, enc(oid))

	def open_writer(self) -> ObjectWriter:
		"""A streaming writer; `with store.open_writer() as w: w.write(...)` commits on success (id in w.id)."""
		return ObjectWriter._open(self._h)

	def pin(self, name: str, oid: str) -> None:
		"""Pin an object under name so gc keeps it (replaces an existing pin of that name)."""
		L = lib()
		check(L, L.mlops_object_pin(self._h, enc(name), enc(oid)))

	def unpin(self, name: str) -> None:
		"""Remove a pin. Raises NotFoundError."""
		L = lib()
		check(L, L.mlops_object_unpin(self._h, enc(name)))

	def pinned(self, name: str) -> str:
		"""The object id pinned under name. Raises NotFoundError."""
		L = lib()
		out = create_string_buffer(_ffi.MLOPS_OID_BUFSIZE)
		check(L, L.mlops_object_pin_get(out, self._h, enc(name)))
		return out.value.decode()

	# ---- lineage and audit ----

	def add_lineage(self, from_kind: str, from_id: str, to_kind: str, to_id: str, relation: str) -> None:
		"""Record an edge (from_kind, from_id) -> (to_kind, to_id); adding it again is a no-op."""
		L = lib()
		check(L, L.mlops_lineage_add(self._h, enc(from_kind), enc(from_id), enc(to_kind), enc(to_id),
		                             enc(relation)))

	def lineage(self, kind: str, oid: str, direction: Union[str, int] = "downstream",
	            max_depth: int = 0) -> Iterator[LineageEdge]:
		"""Walk edges from a node breadth first (direction "downstream" or "upstream"; max_depth 0 = unlimited)."""
		if isinstance(direction, str):
			if direction not in DIRECTIONS:
				raise InvalidError("direction must be 'downstream' or 'upstream', not %r" % direction)
			direction = DIRECTIONS[direction]
		L = lib()
		it = c_void_p()
		check(L, L.mlops_lineage_walk(byref(it), self._h, enc(kind), enc(oid), direction, max_depth))
		return CIterator(it, "mlops_lineage_next", "mlops_lineage_iter_free", LineageEdge._from_c)

	def audit(self, since_ms: int = 0) -> Iterator[AuditEntry]:
		"""Audit rows with time_ms >= since_ms, oldest first."""
		L = lib()
		it = c_void_p()
		check(L, L.mlops_audit_iter_new(byref(it), self._h, since_ms))
		return CIterator(it, "mlops_audit_next", "mlops_audit_iter_free", AuditEntry._from_c)

	def audit_frame(self, since_ms: int = 0):
		"""The audit log as a pandas DataFrame (requires pandas)."""
		import pandas as pd
		return pd.DataFrame([e.__dict__ for e in self.audit(since_ms)],
		                    columns=[f.name for f in fields(AuditEntry)])
