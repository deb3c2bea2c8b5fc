"""Python bindings of libmlops, the embeddable machine-learning operations library.

    import mlops
    with mlops.open("./store") as store:
        oid = store.put(b"hello")

The C library (libmlops.so.0) is found through $MLOPS_LIBRARY, then build/src of the source tree, then the
system. The ctypes declarations in mlops._ffi are generated from the C headers by bindings/gen/generate.py.
"""

from __future__ import annotations

from . import _ffi
from ._lib import lib as _library, library_path
from .backend import (BUILTIN_BACKENDS, Backend, BackendInstance, DictBackend, new_backend, register_backend,
                      unregister_backend)
from .errors import (BusyError, ConflictError, CorruptError, ExistsError, InvalidError, IOError_, MlopsError,
                     NoMemoryError, NoSpaceError, NotFoundError, ParseError, ReadOnlyError, StoppedError,
                     VersionError)
from ._records import *  # noqa: F401,F403 (the record dataclasses: RunInfo, MetricSummary, DatasetFile, ...)
from ._records import RECORDS as _RECORDS
from .datasets import DatasetCommit, DatasetReader, DatasetStatus, dataset_change_name
from .objects import ObjectReader, ObjectWriter
from .runs import MetricHistory, MetricPoint, Run, parse_run_status, run_status_name
from .runs_search import Comparison, SearchPage
from .store import Store, VerifyResult, open
from .tables import TableProfile, ValidationReport, check_expectations, profile_file, validate_file

__version__ = _ffi.MLOPS_VERSION_STRING

KIND_OBJECT = _ffi.MLOPS_KIND_OBJECT
KIND_DATASET_VERSION = _ffi.MLOPS_KIND_DATASET_VERSION
KIND_RUN = _ffi.MLOPS_KIND_RUN
KIND_MODEL_VERSION = _ffi.MLOPS_KIND_MODEL_VERSION
SYNC_NORMAL = _ffi.MLOPS_SYNC_NORMAL
SYNC_FULL = _ffi.MLOPS_SYNC_FULL
SYNC_OFF = _ffi.MLOPS_SYNC_OFF


def version() -> str:
	"""The version string of the loaded C library."""
	return _library().mlops_version_string().decode()


def version_number() -> int:
	"""MLOPS_VERSION_NUMBER of the loaded C library (major * 10000 + minor * 100 + patch)."""
	return _library().mlops_version_number()


def error_name(code: int) -> str:
	"""The C name of an error code, such as "MLOPS_ENOTFOUND"."""
	return _library().mlops_error_name(code).decode()


def last_error() -> tuple:
	"""(code, message) of the calling thread's last libmlops error; (0, "") when none was recorded."""
	e = _library().mlops_error_last().contents
	return e.code, (e.message or b"").decode("utf-8", "replace")


def clear_error() -> None:
	"""Forget the calling thread's last libmlops error."""
	_library().mlops_error_clear()


__all__ = [
	"open", "Store", "VerifyResult", "ObjectReader", "Run", "MetricHistory", "MetricPoint", "SearchPage",
	"Comparison", "DatasetCommit", "DatasetReader", "DatasetStatus", "dataset_change_name", "run_status_name",
	"parse_run_status", "TableProfile", "ValidationReport", "check_expectations", "profile_file", "validate_file",
	"ObjectWriter", "Backend", "BackendInstance", "DictBackend", "BUILTIN_BACKENDS", "new_backend",
	"register_backend", "unregister_backend", "MlopsError", "InvalidError", "NotFoundError", "ExistsError",
	"ConflictError", "BusyError", "CorruptError", "IOError_", "NoSpaceError", "NoMemoryError", "ReadOnlyError",
	"VersionError", "ParseError", "StoppedError", "version", "version_number", "error_name", "last_error",
	"clear_error", "library_path", "KIND_OBJECT", "KIND_DATASET_VERSION", "KIND_RUN", "KIND_MODEL_VERSION",
	"SYNC_NORMAL", "SYNC_FULL", "SYNC_OFF",
] + [cls.__name__ for cls in _RECORDS.values()]
