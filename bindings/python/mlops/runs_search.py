"""Searching and comparing runs, and MLflow mlruns/ interop."""

from __future__ import annotations

import math
from ctypes import POINTER, byref, c_void_p
from dataclasses import dataclass
from typing import Any, Dict, Iterator, List, Optional, Sequence, Union

from . import _ffi
from ._lib import lib
from ._records import CompareCell, CompareColumn, MlflowStats, RunInfo, RunRow
from ._util import dec, enc, options, str_array
from .errors import InvalidError, check, last_error
from .runs import _view

METRIC_FIELDS = {"last": _ffi.MLOPS_METRIC_LAST, "min": _ffi.MLOPS_METRIC_MIN, "max": _ffi.MLOPS_METRIC_MAX}


@dataclass
class SearchPage:
	"""One page of a run search: its rows and the token of the next page (None on the last page)."""
	rows: List[RunRow]
	next_page_token: Optional[str]

	def __iter__(self) -> Iterator[RunRow]:
		return iter(self.rows)

	def __len__(self) -> int:
		return len(self.rows)


@dataclass
class Comparison:
	"""Runs side by side: cells[i][j] is run i, column j."""
	runs: List[RunInfo]
	columns: List[CompareColumn]
	cells: List[List[CompareCell]]

	def to_pandas(self):
		"""A DataFrame indexed by run id with "params.<key>" / "metrics.<key>" columns (requires pandas)."""
		import pandas as pd
		names = [("params." if c.kind == _ffi.MLOPS_COMPARE_PARAM else "metrics.") + c.key for c in self.columns]
		data = []
		for row in self.cells:
			data.append([None if not c.present else (c.number if not math.isnan(c.number) else c.text)
			             for c in row])
		return pd.DataFrame(data, columns=names, index=[r.run_id for r in self.runs])


def _rows_frame(rows: List[RunRow]):
	import pandas as pd
	records = []
	for r in rows:
		d: Dict[str, Any] = {"run_id": r.info.run_id, "experiment_id": r.info.experiment_id,
		                     "run_name": r.info.run_name, "status": lib().mlops_run_status_name(r.info.status).decode(),
		                     "start_time": r.info.start_ms, "end_time": r.info.end_ms or None}
		d.update({"params." + k: v for k, v in r.params.items()})
		d.update({"metrics." + m.key: m.last for m in r.metrics})
		d.update({"tags." + k: v for k, v in r.tags.items()})
		records.append(d)
	return pd.DataFrame.from_records(records)


class SearchAPI:
	"""Search, compare and MLflow interop calls of a Store (mixed into mlops.Store)."""

	_h: c_void_p

	def search_runs_page(self, *, experiment_ids: Optional[Sequence[str]] = None, filter: Optional[str] = None,
	                     order_by: Optional[Sequence[str]] = None, view: Union[str, int] = "active",
	                     max_results: int = 0, page_token: Optional[str] = None,
	                     param_keys: Optional[Sequence[str]] = None, metric_keys: Optional[Sequence[str]] = None,
	                     tag_keys: Optional[Sequence[str]] = None, params: bool = True, metrics: bool = True,
	                     tags: bool = True) -> SearchPage:
		"""One page of runs matching an MLflow filter (e.g. "metrics.acc > 0.9 and params.lr = '0.1'").

		Raises ParseError (the message points at the offending position) or InvalidError.
		"""
		L = lib()
		keep: List = []
		flags = ((0 if params else _ffi.MLOPS_SEARCH_NO_PARAMS) | (0 if metrics else _ffi.MLOPS_SEARCH_NO_METRICS)
		         | (0 if tags else _ffi.MLOPS_SEARCH_NO_TAGS))
		opts = options(_ffi.mlops_run_search_options, "mlops_run_search_options_init",
		               _ffi.MLOPS_RUN_SEARCH_OPTIONS_VERSION, keep, experiment_ids=experiment_ids, filter=filter,
		               order_by=order_by, view=_view(view), max_results=max_results, page_token=page_token,
		               param_keys=param_keys, metric_keys=metric_keys, tag_keys=tag_keys, flags=flags)
		h = c_void_p()
		check(L, L.mlops_runs_search(byref(h), self._h, byref(opts)))
		try:
			rows = []
			item = POINTER(_ffi.mlops_run_row)()
			while True:
				rc = L.mlops_run_search_next(byref(item), h)
				if rc == _ffi.MLOPS_ITEROVER:
					break
				if rc < 0:
					raise last_error(L, rc)
				rows.append(RunRow._from_c(item.contents))
			token = dec(L.mlops_run_search_next_page_token(h))
		finally:
			L.mlops_run_search_free(h)
		return SearchPage(rows, token)

	def search_runs(self, **kwargs) -> Iterator[RunRow]:
		"""Every run matching the search, page after page (same arguments as search_runs_page)."""
		token = kwargs.pop("page_token", None)
		while True:
			page = self.search_runs_page(page_token=token, **kwargs)
			yield from page.rows
			token = page.next_page_token
			if not token:
				return

	def search_runs_frame(self, **kwargs):
		"""The search results as a pandas DataFrame, MLflow's column names (params.x, metrics.x, tags.x)."""
		return _rows_frame(list(self.search_runs(**kwargs)))

	def compare_runs(self, run_ids: Sequence[str], *, param_keys: Optional[Sequence[str]] = None,
	                 metric_keys: Optional[Sequence[str]] = None, metric_field: Union[str, int] = "last",
	                 only_different: bool = False) -> Comparison:
		"""Params and metric summaries of runs side by side."""
		L = lib()
		if isinstance(metric_field, str):
			if metric_field not in METRIC_FIELDS:
				raise InvalidError("metric_field must be last, min or max, not %r" % metric_field)
			metric_field = METRIC_FIELDS[metric_field]
		keep: List = []
		opts = options(_ffi.mlops_run_compare_options, "mlops_run_compare_options_init",
		               _ffi.MLOPS_RUN_COMPARE_OPTIONS_VERSION, keep, param_keys=param_keys,
		               metric_keys=metric_keys, metric_field=metric_field,
		               flags=_ffi.MLOPS_COMPARE_ONLY_DIFFERENT if only_different else 0)
		ids, n = str_array(run_ids)
		h = c_void_p()
		check(L, L.mlops_runs_compare(byref(h), self._h, ids, n, byref(opts)))
		try:
			nr, nc = L.mlops_run_compare_n_runs(h), L.mlops_run_compare_n_columns(h)
			runs, cols, cells = [], [], []
			info = POINTER(_ffi.mlops_run_info)()
			col = POINTER(_ffi.mlops_compare_column)()
			cell = POINTER(_ffi.mlops_compare_cell)()
			for i in range(nr):
				check(L, L.mlops_run_compare_run(byref(info), h, i))
				runs.append(RunInfo._from_c(info.contents))
			for j in range(nc):
				check(L, L.mlops_run_compare_column(byref(col), h, j))
				cols.append(CompareColumn._from_c(col.contents))
			for i in range(nr):
				row = []
				for j in range(nc):
					check(L, L.mlops_run_compare_cell(byref(cell), h, i, j))
					row.append(CompareCell._from_c(cell.contents))
				cells.append(row)
		finally:
			L.mlops_run_compare_free(h)
		return Comparison(runs, cols, cells)

	def export_mlflow(self, directory, *, experiment_ids: Optional[Sequence[str]] = None,
	                  view: Union[str, int] = "all", artifacts: bool = True) -> MlflowStats:
		"""Write experiments and runs in MLflow's mlruns/ layout, readable by MLflow's file store."""
		return self._mlflow("mlops_runs_export_mlflow", directory, experiment_ids, view, artifacts, False)

	def import_mlflow(self, directory, *, artifacts: bool = True, skip_existing: bool = False) -> MlflowStats:
		"""Import an mlruns/ directory written by MLflow (or export_mlflow)."""
		return self._mlflow("mlops_runs_import_mlflow", directory, None, None, artifacts, skip_existing)

	def _mlflow(self, fn, directory, experiment_ids, view, artifacts, skip_existing) -> MlflowStats:
		L = lib()
		keep: List = []
		flags = (0 if artifacts else _ffi.MLOPS_MLFLOW_NO_ARTIFACTS) | (
			_ffi.MLOPS_MLFLOW_SKIP_EXISTING if skip_existing else 0)
		opts = options(_ffi.mlops_mlflow_options, "mlops_mlflow_options_init", _ffi.MLOPS_MLFLOW_OPTIONS_VERSION,
		               keep, experiment_ids=experiment_ids, view=_view(view) if view is not None else None,
		               flags=flags)
		out = _ffi.mlops_mlflow_stats(version=_ffi.MLOPS_MLFLOW_STATS_VERSION)
		check(L, getattr(L, fn)(byref(out), self._h, enc(directory), byref(opts)))
		return MlflowStats._from_c(out)
