"""One exception class per libmlops error code, carrying the code and the library's message."""

from __future__ import annotations

from typing import Dict, Type

from . import _ffi


class MlopsError(Exception):
	"""Base class of every libmlops error. `code` is the MLOPS_E* value, `message` the library's message."""

	default_code = _ffi.MLOPS_ERROR

	def __init__(self, message: str = "", code: int | None = None):
		self.code = self.default_code if code is None else code
		self.message = message
		super().__init__(message)

	@property
	def code_name(self) -> str:
		for name, value in _ffi.ENUMS["mlops_error_code"].items():
			if value == self.code:
				return name
		return str(self.code)

	def __str__(self) -> str:
		return "%s: %s" % (self.code_name, self.message) if self.message else self.code_name


class InvalidError(MlopsError, ValueError):
	"""MLOPS_EINVAL: an argument or an input is invalid."""
	default_code = _ffi.MLOPS_EINVAL


class NotFoundError(MlopsError, LookupError):
	"""MLOPS_ENOTFOUND: the named object does not exist."""
	default_code = _ffi.MLOPS_ENOTFOUND


class ExistsError(MlopsError):
	"""MLOPS_EEXISTS: an object with that name already exists."""
	default_code = _ffi.MLOPS_EEXISTS


class ConflictError(MlopsError):
	"""MLOPS_ECONFLICT: the call conflicts with stored state."""
	default_code = _ffi.MLOPS_ECONFLICT


class BusyError(MlopsError):
	"""MLOPS_EBUSY: the store stayed locked by another writer past the busy timeout."""
	default_code = _ffi.MLOPS_EBUSY


class CorruptError(MlopsError):
	"""MLOPS_ECORRUPT: stored data failed verification; no wrong bytes were returned."""
	default_code = _ffi.MLOPS_ECORRUPT


class IOError_(MlopsError):
	"""MLOPS_EIO: an I/O error from the operating system or a backend."""
	default_code = _ffi.MLOPS_EIO


class NoSpaceError(MlopsError):
	"""MLOPS_ENOSPC: no space left on the device."""
	default_code = _ffi.MLOPS_ENOSPC


class NoMemoryError(MlopsError, MemoryError):
	"""MLOPS_ENOMEM: out of memory."""
	default_code = _ffi.MLOPS_ENOMEM


class ReadOnlyError(MlopsError):
	"""MLOPS_EREADONLY: the store was opened read-only."""
	default_code = _ffi.MLOPS_EREADONLY


class VersionError(MlopsError):
	"""MLOPS_EVERSION: an unknown options/backend version, or a store or library of another version."""
	default_code = _ffi.MLOPS_EVERSION


class ParseError(MlopsError, ValueError):
	"""MLOPS_EPARSE: malformed text input; the message gives the position."""
	default_code = _ffi.MLOPS_EPARSE


class StoppedError(MlopsError):
	"""MLOPS_EUSER: a user callback asked to stop."""
	default_code = _ffi.MLOPS_EUSER


BY_CODE: Dict[int, Type[MlopsError]] = {
	cls.default_code: cls
	for cls in (InvalidError, NotFoundError, ExistsError, ConflictError, BusyError, CorruptError, IOError_,
	            NoSpaceError, NoMemoryError, ReadOnlyError, VersionError, ParseError, StoppedError)
}


def error_for(code: int, message: str) -> MlopsError:
	"""The exception for an error code (MlopsError itself for MLOPS_ERROR and unknown codes)."""
	return BY_CODE.get(code, MlopsError)(message, code)


def last_error(lib, rc: int) -> MlopsError:
	"""Build the exception for a failed call from the calling thread's last error; call right after the failure."""
	err = lib.mlops_error_last().contents
	message = ""
	if err.code == rc and err.message:
		message = err.message.decode("utf-8", "replace")
	if not message:
		message = "%s (no message recorded)" % lib.mlops_error_name(rc).decode()
	return error_for(rc, message)


def check(lib, rc: int) -> int:
	"""Raise the matching exception when rc is a negative MLOPS_E* code; return rc otherwise."""
	if rc < 0:
		raise last_error(lib, rc)
	return rc
