"""Drives the library's iterators (_next ... MLOPS_ITEROVER) as Python iterators."""

from __future__ import annotations

from ctypes import _Pointer, byref, c_void_p

from . import _ffi
from ._lib import lib
from .errors import last_error


class CIterator:
	"""A C iterator driven to MLOPS_ITEROVER; each item is converted while its C memory is valid.

	Usable in a for loop; close() (or a `with` block, or collection) frees the C iterator early. Works for both
	styles of _next: filling a caller's struct (T *out) and handing out a pointer (const T **out).
	"""

	def __init__(self, it: c_void_p, next_name: str, free_name: str, convert):
		L = lib()
		self._it = it
		self._next = getattr(L, next_name)
		self._free = getattr(L, free_name)
		target = _ffi.SIGNATURES[next_name][1][0]._type_
		self._indirect = isinstance(target, type) and issubclass(target, _Pointer)
		self._item = target()
		self._convert = convert

	def __iter__(self):
		return self

	def __next__(self):
		if not self._it:
			raise StopIteration
		rc = self._next(byref(self._item), self._it)
		if rc == _ffi.MLOPS_ITEROVER:
			self.close()
			raise StopIteration
		if rc < 0:
			err = last_error(lib(), rc)
			self.close()
			raise err
		return self._convert(self._item.contents if self._indirect else self._item)

	def close(self) -> None:
		it, self._it = self._it, None
		if it:
			self._free(it)

	def __enter__(self):
		return self

	def __exit__(self, *exc) -> None:
		self.close()

	def __del__(self):
		try:
			self.close()
		except Exception:
			pass
