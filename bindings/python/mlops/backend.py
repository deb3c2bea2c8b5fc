"""Blob backends: built-in instances, registration by name, and backends implemented in Python.

A Python backend subclasses Backend and implements write/read/exists (and optionally remove/list/flush/touch);
the library calls it through the mlops_backend vtable (include/mlops/sys/backend.h). Exceptions raised by a method
become the error code of the call (the MlopsError's code, MLOPS_EIO for anything else).
"""

from __future__ import annotations

import ctypes
import itertools
import threading
from ctypes import POINTER, byref, c_void_p, cast, memmove
from typing import Callable, Dict, Iterable, Optional, Tuple, Union

from . import _ffi
from ._lib import lib
from .errors import MlopsError, NotFoundError, check

BUILTIN_BACKENDS = ("fs", "memory", "sqlite")

_lock = threading.Lock()
# Python backends handed to the library, by the address of their vtable, until the library calls free.
_live: Dict[int, Tuple["Backend", _ffi.mlops_backend]] = {}
# Registered factories by payload number (the void *payload the library passes back).
_factories: Dict[int, Tuple[str, Callable]] = {}
_factory_ids = itertools.count(1)


def _code_of(exc: BaseException) -> int:
	return exc.code if isinstance(exc, MlopsError) else _ffi.MLOPS_EIO


def _backend_of(ptr) -> "Backend":
	return _live[ctypes.addressof(ptr.contents)][0]


def _c_write(be, key, data, size):
	try:
		_backend_of(be).write(key.decode(), ctypes.string_at(data, size) if size else b"")
		return 0
	except BaseException as e:
		return _code_of(e)


def _c_read(be, out_data, out_size, key):
	try:
		data = _backend_of(be).read(key.decode())
		L = lib()
		buf = L.mlops_alloc(max(len(data), 1))
		if not buf:
			return _ffi.MLOPS_ENOMEM
		if data:
			memmove(buf, data, len(data))
		out_data[0] = buf
		out_size[0] = len(data)
		return 0
	except BaseException as e:
		return _code_of(e)


def _c_exists(be, out_exists, key):
	try:
		out_exists[0] = 1 if _backend_of(be).exists(key.decode()) else 0
		return 0
	except BaseException as e:
		return _code_of(e)


def _c_remove(be, key):
	try:
		_backend_of(be).remove(key.decode())
		return 0
	except BaseException as e:
		return _code_of(e)


def _c_list(be, cb, payload):
	try:
		for key, size, mtime in _backend_of(be).list():
			rc = cb(key.encode(), size, mtime, payload)
			if rc != 0:
				return rc
		return 0
	except BaseException as e:
		return _code_of(e)


def _c_flush(be):
	try:
		_backend_of(be).flush()
		return 0
	except BaseException as e:
		return _code_of(e)


def _c_touch(be, key):
	try:
		_backend_of(be).touch(key.decode())
		return 0
	except BaseException as e:
		return _code_of(e)


def _c_free(be):
	with _lock:
		entry = _live.pop(ctypes.addressof(be.contents), None)
	if entry is not None:
		try:
			entry[0].close()
		except BaseException:
			pass


_F = dict(_ffi.mlops_backend._fields_)
_VTABLE = {
	"write": _F["write"](_c_write), "read": _F["read"](_c_read), "exists": _F["exists"](_c_exists),
	"remove": _F["remove"](_c_remove), "list": _F["list"](_c_list), "flush": _F["flush"](_c_flush),
	"touch": _F["touch"](_c_touch), "free": _F["free"](_c_free),
}


class Backend:
	"""Base class of backends written in Python. Keys are object ids (32 hex characters).

	Required: write(key, data), read(key) -> bytes (raise NotFoundError when absent), exists(key) -> bool.
	Optional (leave them out and the library works without them): remove(key), list() -> iterable of
	(key, size, mtime_s), flush(), touch(key). close() is called when the library frees the backend.
	"""

	_OPTIONAL = ("remove", "list", "flush", "touch")

	def write(self, key: str, data: bytes) -> None:
		"""Store data under key atomically; writing an existing key keeps the blob as it was."""
		raise NotImplementedError

	def read(self, key: str) -> bytes:
		"""The bytes stored under key; raise NotFoundError when absent."""
		raise NotImplementedError

	def exists(self, key: str) -> bool:
		"""Whether a blob is stored under key."""
		raise NotImplementedError

	def close(self) -> None:
		"""Called once when the library releases the backend."""

	def _vtable(self) -> _ffi.mlops_backend:
		vt = _ffi.mlops_backend(version=_ffi.MLOPS_BACKEND_VERSION)
		for name in ("write", "read", "exists", "free"):
			setattr(vt, name, _VTABLE[name])
		for name in self._OPTIONAL:
			if callable(getattr(self, name, None)):
				setattr(vt, name, _VTABLE[name])
		return vt

	def _lend(self):
		"""Hand the backend to the library: a pointer to a vtable that stays alive until the library frees it."""
		vt = self._vtable()
		with _lock:
			_live[ctypes.addressof(vt)] = (self, vt)
		self._pending = vt
		return ctypes.pointer(vt)

	def _settle(self, taken: bool) -> None:
		"""After a call that takes ownership only on success: forget the vtable when the library did not take it."""
		vt, self._pending = getattr(self, "_pending", None), None
		if vt is not None and not taken:
			with _lock:
				_live.pop(ctypes.addressof(vt), None)


class BackendInstance:
	"""A backend instance made by the library (mlops.new_backend); pass it to mlops.open(backend_instance=...)."""

	def __init__(self, ptr):
		self._ptr = ptr

	def _lend(self):
		if not self._ptr:
			raise MlopsError("the backend instance was already given to a store or freed", _ffi.MLOPS_EINVAL)
		return self._ptr

	def _settle(self, taken: bool) -> None:
		if taken:
			self._ptr = None

	def close(self) -> None:
		"""Free the instance unless a store took it over."""
		p, self._ptr = self._ptr, None
		if p:
			lib().mlops_backend_free(p)

	def __enter__(self) -> "BackendInstance":
		return self

	def __exit__(self, *exc) -> None:
		self.close()

	def __del__(self):
		try:
			self.close()
		except Exception:
			pass


def new_backend(name: str, location: Optional[str] = None, sync: int = _ffi.MLOPS_SYNC_NORMAL) -> BackendInstance:
	"""Create an instance of a built-in or registered backend (location: a directory or file, or None)."""
	L = lib()
	out = POINTER(_ffi.mlops_backend)()
	check(L, L.mlops_backend_new(byref(out), name.encode(), None if location is None else location.encode(), sync))
	return BackendInstance(out)


FactoryResult = Union[Backend, BackendInstance]


def _c_factory(out, location, sync, payload):
	try:
		with _lock:
			_, factory = _factories[payload]
		be = factory(None if location is None else location.decode(), sync)
		ptr = be._lend()
		be._settle(True)
		out[0] = cast(ptr, POINTER(_ffi.mlops_backend))
		return 0
	except BaseException as e:
		return _code_of(e)


_FACTORY = _ffi.mlops_backend_factory(_c_factory)


def register_backend(name: str, factory: Callable[[Optional[str], int], FactoryResult]) -> None:
	"""Register factory(location, sync) -> Backend under name, so that mlops.open(..., backend=name) uses it.

	Registering a name again replaces the factory; built-in names raise ExistsError.
	"""
	L = lib()
	with _lock:
		fid = next(_factory_ids)
		_factories[fid] = (name, factory)
	rc = L.mlops_backend_register(name.encode(), _FACTORY, c_void_p(fid))
	if rc < 0:
		with _lock:
			_factories.pop(fid, None)
		check(L, rc)
	with _lock:
		for other in [k for k, (n, _) in _factories.items() if n == name and k != fid]:
			del _factories[other]


def unregister_backend(name: str) -> None:
	"""Remove a registered backend. Raises NotFoundError, or InvalidError for a built-in name."""
	L = lib()
	check(L, L.mlops_backend_unregister(name.encode()))
	with _lock:
		for k in [k for k, (n, _) in _factories.items() if n == name]:
			del _factories[k]


class DictBackend(Backend):
	"""A backend keeping blobs in a Python dict (tests, examples, and a model for writing others)."""

	def __init__(self):
		import time
		self._time = time
		self.blobs: Dict[str, Tuple[bytes, int]] = {}

	def write(self, key: str, data: bytes) -> None:
		"""Store data under key atomically; writing an existing key keeps the blob as it was."""
		if key not in self.blobs:
			self.blobs[key] = (bytes(data), int(self._time.time()))

	def read(self, key: str) -> bytes:
		"""The bytes stored under key; raise NotFoundError when absent."""
		try:
			return self.blobs[key][0]
		except KeyError:
			raise NotFoundError("blob %s not found" % key) from None

	def exists(self, key: str) -> bool:
		"""Whether a blob is stored under key."""
		return key in self.blobs

	def remove(self, key: str) -> None:
		if self.blobs.pop(key, None) is None:
			raise NotFoundError("blob %s not found" % key)

	def list(self) -> Iterable[Tuple[str, int, int]]:
		return [(k, len(v[0]), v[1]) for k, v in list(self.blobs.items())]

	def touch(self, key: str) -> None:
		if key not in self.blobs:
			raise NotFoundError("blob %s not found" % key)
		self.blobs[key] = (self.blobs[key][0], int(self._time.time()))
