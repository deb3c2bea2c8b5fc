"""Finds and loads libmlops.so.0, binds the generated ctypes declarations and checks the runtime version.

Search order: $MLOPS_LIBRARY (a path; nothing else is tried when it is set), then build/src/libmlops.so.0 in the
source tree this package sits in (or the current directory and its parents), then the system
(ctypes.util.find_library, then the plain SONAME through the dynamic loader's own search).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import threading
from pathlib import Path
from typing import Iterator, Optional, Set

from . import _ffi

SONAME = "libmlops.so.0"

_lock = threading.Lock()
_lib = None

# Names of the C functions called so far, filled only when $MLOPS_PYTHON_TRACE is "1" (the test suite checks
# with it that every public function is exercised).
called: Set[str] = set()


class _TracedLib:
	"""Wraps the CDLL so that every call records the function's name; used by the tests only."""

	def __init__(self, real: ctypes.CDLL):
		self._real = real

	def __getattr__(self, name: str):
		fn = getattr(self._real, name)
		if not name.startswith("mlops_"):
			return fn

		def traced(*args, _fn=fn, _name=name):
			called.add(_name)
			return _fn(*args)

		setattr(self, name, traced)
		return traced


def candidates() -> Iterator[str]:
	"""Library paths or names to try, in order."""
	env = os.environ.get("MLOPS_LIBRARY")
	if env:
		yield env
		return
	seen = set()
	for start in (Path(__file__).resolve().parent, Path.cwd().resolve()):
		for d in (start, *start.parents):
			p = d / "build" / "src" / SONAME
			if p not in seen and p.exists():
				seen.add(p)
				yield str(p)
	found = ctypes.util.find_library("mlops")
	if found:
		yield found
	yield SONAME


def _load() -> ctypes.CDLL:
	from .errors import MlopsError, VersionError
	tried = []
	for cand in candidates():
		try:
			lib = ctypes.CDLL(cand)
		except OSError as e:
			tried.append("%s (%s)" % (cand, e))
			if os.environ.get("MLOPS_LIBRARY"):
				break
			continue
		_ffi.bind(lib, on_missing=lambda name, path=cand: _missing(name, path))
		runtime = lib.mlops_version_number()
		# Before 1.0 a new minor version may change the ABI; the patch level never does.
		if runtime // 100 != _ffi.MLOPS_VERSION_NUMBER // 100:
			raise VersionError("libmlops at %s is version %s; these bindings were generated for %s"
			                   % (cand, lib.mlops_version_string().decode(), _ffi.MLOPS_VERSION_STRING),
			                   _ffi.MLOPS_EVERSION)
		return lib
	raise MlopsError("cannot load libmlops: tried " + "; ".join(tried) +
	                 ". Set MLOPS_LIBRARY to the path of libmlops.so.0", _ffi.MLOPS_ERROR)


def _missing(name: str, path: str):
	"""Stand-in for a function an older library lacks: calling it raises VersionError naming it."""
	from .errors import VersionError

	def call(*args):
		raise VersionError("%s is not exported by libmlops at %s (an older build of the library?)" % (name, path),
		                   _ffi.MLOPS_EVERSION)

	return call


def lib():
	"""The loaded, bound library (loaded on first use)."""
	global _lib
	if _lib is None:
		with _lock:
			if _lib is None:
				real = _load()
				_lib = _TracedLib(real) if os.environ.get("MLOPS_PYTHON_TRACE") == "1" else real
	return _lib


def library_path() -> Optional[str]:
	"""The path or name the library was loaded from, or None before it is loaded."""
	if _lib is None:
		return None
	real = getattr(_lib, "_real", _lib)
	return real._name
