"""Small conversions shared by the idiomatic layer: strings, string arrays, options structs, numeric arrays."""

from __future__ import annotations

import array
import os
from ctypes import POINTER, byref, c_char_p, c_double, c_int64
from typing import Any, List, Optional, Sequence, Tuple

from ._lib import lib
from .errors import InvalidError, check


def enc(s) -> Optional[bytes]:
	"""str, bytes or os.PathLike to bytes (None stays None)."""
	if s is None:
		return None
	if isinstance(s, bytes):
		return s
	if isinstance(s, os.PathLike):
		return os.fsencode(s)
	if not isinstance(s, str):
		raise InvalidError("expected a string, got %s" % type(s).__name__)
	return s.encode("utf-8")


def dec(b: Optional[bytes]) -> Optional[str]:
	return None if b is None else b.decode("utf-8", "replace")


def str_array(items: Sequence) -> Tuple[Any, int]:
	"""A C array of strings (the array keeps the encoded bytes alive) and its length; (None, 0) when empty."""
	if items is None:
		return None, 0
	if isinstance(items, (str, bytes)):
		items = [items]
	items = list(items)
	if not items:
		return None, 0
	return (c_char_p * len(items))(*[enc(x) for x in items]), len(items)


_STR_ARRAY = POINTER(c_char_p)


def options(struct_cls, init_name: str, version: int, keep: List, **values):
	"""An options struct initialized by its _init function, with the given fields set.

	Strings are encoded; a list for a `const char *const *x` field also sets its `n_x` count. None leaves a
	field at its default. keep receives the objects that must outlive the call using the struct.
	"""
	L = lib()
	opts = struct_cls()
	check(L, getattr(L, init_name)(byref(opts), version))
	ftypes = dict(struct_cls._fields_)
	for name, value in values.items():
		if value is None:
			continue
		t = ftypes[name]
		if t is c_char_p:
			v = enc(value)
			keep.append(v)
			setattr(opts, name, v)
		elif t is _STR_ARRAY:
			arr, n = str_array(value)
			keep.append(arr)
			setattr(opts, name, arr)
			setattr(opts, "n_" + name, n)
		else:
			setattr(opts, name, value)
	return opts


def _np():
	try:
		import numpy
		return numpy
	except ImportError:
		return None


def doubles(values) -> Tuple[Any, int, Any]:
	"""(POINTER(c_double) argument, n, keep-alive) for a numpy array or any sequence of numbers, without a Python
	loop per element."""
	np = _np()
	if np is not None:
		a = np.ascontiguousarray(values, dtype=np.float64).reshape(-1)
		return a.ctypes.data_as(POINTER(c_double)), a.size, a
	a = array.array("d", values)
	n = len(a)
	if n == 0:
		return None, 0, a
	return (c_double * n).from_buffer(a), n, a


def int64s(values, n: int) -> Tuple[Any, Any]:
	"""(POINTER(c_int64) argument or None, keep-alive) for n int64 values (None gives None)."""
	if values is None:
		return None, None
	np = _np()
	if np is not None:
		a = np.ascontiguousarray(values, dtype=np.int64).reshape(-1)
		if a.size != n:
			raise InvalidError("expected %d values, got %d" % (n, a.size))
		return a.ctypes.data_as(POINTER(c_int64)), a
	a = array.array("q", values)
	if len(a) != n:
		raise InvalidError("expected %d values, got %d" % (n, len(a)))
	if n == 0:
		return None, a
	return (c_int64 * n).from_buffer(a), a


def as_array(ptr, n: int, ctype, typecode: str):
	"""Copy n C values at ptr into a numpy array (or an array.array without numpy)."""
	np = _np()
	if np is not None:
		if n == 0:
			return np.zeros(0, dtype=np.float64 if typecode == "d" else np.int64)
		return np.ctypeslib.as_array(ptr, shape=(n,)).copy()
	a = array.array(typecode, bytes(n * array.array(typecode).itemsize))
	if n:
		import ctypes
		ctypes.memmove((ctype * n).from_buffer(a), ptr, n * ctypes.sizeof(ctype))
	return a
