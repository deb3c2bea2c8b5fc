"""Tabular files (CSV, JSON Lines): profiles and validation against expectations, local or inside a version."""

from __future__ import annotations

import json
from ctypes import byref, c_int, c_uint64, c_void_p, string_at
from dataclasses import dataclass
from typing import Any, Dict, Optional, Union

from . import _ffi
from ._lib import lib
from ._util import enc
from .errors import InvalidError, check

FORMATS = {"auto": _ffi.MLOPS_DATASET_TABLE_AUTO, "csv": _ffi.MLOPS_DATASET_TABLE_CSV,
           "jsonl": _ffi.MLOPS_DATASET_TABLE_JSONL}

JsonLike = Union[str, Dict[str, Any], None]


@dataclass
class TableProfile:
	"""A tabular file's schema and statistics (parsed JSON) and its row count."""
	schema: Any
	stats: Any
	rows: int


@dataclass
class ValidationReport:
	"""The outcome of a validation: success and the parsed report (one result per expectation)."""
	success: bool
	report: Dict[str, Any]


def _table_options(format: Optional[str], delimiter: Optional[str], quote: Optional[str],
                   header: Optional[bool], max_field_bytes: Optional[int]):
	if format is None and delimiter is None and quote is None and header is None and max_field_bytes is None:
		return None
	L = lib()
	opts = _ffi.mlops_dataset_table_options()
	check(L, L.mlops_dataset_table_options_init(byref(opts), _ffi.MLOPS_DATASET_TABLE_OPTIONS_VERSION))
	if format is not None:
		if format not in FORMATS:
			raise InvalidError("format must be one of %s, not %r" % (", ".join(FORMATS), format))
		opts.format = FORMATS[format]
	for name, value in (("delimiter", delimiter), ("quote", quote)):
		if value is not None:
			if len(value) != 1:
				raise InvalidError("%s must be one character, not %r" % (name, value))
			setattr(opts, name, value.encode())
	if header is not None:
		opts.no_header = 0 if header else 1
	if max_field_bytes is not None:
		opts.max_field_bytes = max_field_bytes
	return opts


def _json_arg(v: JsonLike) -> Optional[bytes]:
	if v is None:
		return None
	return enc(v if isinstance(v, str) else json.dumps(v))


def _take_json(p: c_void_p) -> Any:
	if not p.value:
		return None
	try:
		return json.loads(string_at(p.value).decode("utf-8"))
	finally:
		lib().mlops_free(p)


def _ref(opts):
	return None if opts is None else byref(opts)


def profile_file(path, *, format: Optional[str] = None, delimiter: Optional[str] = None,
                 quote: Optional[str] = None, header: Optional[bool] = None,
                 max_field_bytes: Optional[int] = None) -> TableProfile:
	"""Profile a local CSV or JSON Lines file. Raises ParseError (with the line) for malformed content."""
	L = lib()
	opts = _table_options(format, delimiter, quote, header, max_field_bytes)
	schema, stats, rows = c_void_p(), c_void_p(), c_uint64()
	check(L, L.mlops_dataset_profile_file(byref(schema), byref(stats), byref(rows), enc(path), _ref(opts)))
	return TableProfile(_take_json(schema), _take_json(stats), rows.value)


def validate_file(path, expectations: JsonLike = None, schema: JsonLike = None, *, format: Optional[str] = None,
                  delimiter: Optional[str] = None, quote: Optional[str] = None, header: Optional[bool] = None,
                  max_field_bytes: Optional[int] = None) -> ValidationReport:
	"""Validate a local file against expectations (Great Expectations' vocabulary) and/or a schema."""
	L = lib()
	opts = _table_options(format, delimiter, quote, header, max_field_bytes)
	report, success = c_void_p(), c_int()
	check(L, L.mlops_dataset_validate_file(byref(report), byref(success), enc(path), _json_arg(expectations),
	                                       _json_arg(schema), _ref(opts)))
	return ValidationReport(bool(success.value), _take_json(report))


def check_expectations(expectations: JsonLike = None, schema: JsonLike = None) -> None:
	"""Check expectations and/or a schema without data; raises InvalidError or ParseError naming the problem."""
	L = lib()
	check(L, L.mlops_dataset_expectations_check(_json_arg(expectations), _json_arg(schema)))


class TablesAPI:
	"""Profiles and validation of tabular files inside dataset versions (mixed into mlops.Store)."""

	_h: c_void_p

	def dataset_profile(self, spec: str, path: Optional[str] = None, **table) -> TableProfile:
		"""The profile of a tabular file of a version (the one stored at commit unless table options are given)."""
		L = lib()
		opts = _table_options(table.pop("format", None), table.pop("delimiter", None), table.pop("quote", None),
		                      table.pop("header", None), table.pop("max_field_bytes", None))
		if table:
			raise TypeError("unknown table options: %s" % ", ".join(table))
		schema, stats, rows = c_void_p(), c_void_p(), c_uint64()
		check(L, L.mlops_dataset_file_profile(byref(schema), byref(stats), byref(rows), self._h, enc(spec),
		                                      enc(path), _ref(opts)))
		return TableProfile(_take_json(schema), _take_json(stats), rows.value)

	def validate_dataset(self, spec: str, path: Optional[str] = None, expectations: JsonLike = None,
	                     schema: JsonLike = None, **table) -> ValidationReport:
		"""Validate a tabular file of a version, streamed from the store."""
		L = lib()
		opts = _table_options(table.pop("format", None), table.pop("delimiter", None), table.pop("quote", None),
		                      table.pop("header", None), table.pop("max_field_bytes", None))
		if table:
			raise TypeError("unknown table options: %s" % ", ".join(table))
		report, success = c_void_p(), c_int()
		check(L, L.mlops_dataset_validate(byref(report), byref(success), self._h, enc(spec), enc(path),
		                                  _json_arg(expectations), _json_arg(schema), _ref(opts)))
		return ValidationReport(bool(success.value), _take_json(report))
