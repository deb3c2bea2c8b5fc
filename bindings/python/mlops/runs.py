"""Experiment tracking: experiments, the run handle (a context manager), reading runs, metrics and artifacts.

    with store.start_run(experiment_name="iris", run_name="lr-0.1") as run:
        run.log_params({"lr": 0.1})
        run.log_metric("loss", 0.3, step=1)
        run.log_metric_series("acc", numpy_array)      # one C call for the whole array
    # FINISHED here, FAILED if the block raised
"""

from __future__ import annotations

from ctypes import POINTER, byref, c_char_p, c_double, c_int, c_int64, c_uint64, c_void_p, create_string_buffer, \
	string_at
from array import array
from time import time_ns as _time_ns
from typing import Any, Dict, Iterator, List, Mapping, NamedTuple, Optional, Sequence, Union

from . import _ffi
from ._iter import CIterator
from ._lib import lib
from ._records import ArtifactInfo, ExperimentInfo, MetricSummary, RunInfo, RunInput
from ._util import as_array, dec, doubles, enc, int64s, options, str_array
from .errors import InvalidError, check, last_error
from .objects import ObjectReader, buffer_arg

STATUSES = {"RUNNING": _ffi.MLOPS_RUN_RUNNING, "SCHEDULED": _ffi.MLOPS_RUN_SCHEDULED,
            "FINISHED": _ffi.MLOPS_RUN_FINISHED, "FAILED": _ffi.MLOPS_RUN_FAILED, "KILLED": _ffi.MLOPS_RUN_KILLED}
VIEWS = {"active": _ffi.MLOPS_VIEW_ACTIVE_ONLY, "deleted": _ffi.MLOPS_VIEW_DELETED_ONLY, "all": _ffi.MLOPS_VIEW_ALL}


def run_status_name(status: int) -> str:
	""""RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED" or "UNKNOWN"."""
	return lib().mlops_run_status_name(status).decode()


def parse_run_status(name: str) -> int:
	"""The status value of a name (case-insensitive). Raises InvalidError."""
	L = lib()
	out = c_int()
	check(L, L.mlops_run_status_parse(byref(out), enc(name)))
	return out.value


def _status(status: Union[str, int]) -> int:
	return parse_run_status(status) if isinstance(status, str) else int(status)


def _view(view: Union[str, int, None]) -> int:
	if view is None:
		return 0
	if isinstance(view, str):
		if view not in VIEWS:
			raise InvalidError("view must be one of %s, not %r" % (", ".join(VIEWS), view))
		return VIEWS[view]
	return int(view)


def _kv_dict(it: c_void_p) -> Dict[str, str]:
	return {k: v for k, v in CIterator(it, "mlops_runs_kv_next", "mlops_runs_kv_iter_free",
	                                    lambda c: (dec(c.key), dec(c.value)))}


# Points Run.log_metric keeps on the Python side before one call hands them to the C buffer: a ctypes call costs
# about as much as all the C work for a point, so crossing once per batch instead of once per point is what makes
# per-call logging cheap. The age limit keeps slow loggers' points moving (the C buffer's own flush triggers then
# apply to them as usual).
PY_BUFFER_POINTS = 512
PY_BUFFER_SECONDS = 0.1
PY_BUFFER_NS = int(PY_BUFFER_SECONDS * 1e9)


class Run:
	"""A run handle for logging. Use as a context manager: the run ends FINISHED, or FAILED on an exception.

	Metric points are buffered and committed in batches (flush(), end() and close() commit them). log_metric
	keeps up to PY_BUFFER_POINTS points (or PY_BUFFER_SECONDS of them) in Python before handing them to the
	library in one call; the first point of each key goes straight to the library, so a bad key fails at once.
	Timestamps are taken when log_metric is called.
	"""

	def __init__(self, handle: c_void_p):
		L = lib()
		self._handle = handle
		self.id: str = dec(L.mlops_run_id(handle))
		self.experiment_id: str = dec(L.mlops_run_experiment_id(handle))
		self.name: str = dec(L.mlops_run_name(handle))
		self._L = L
		self._log_metric = L.mlops_run_log_metric
		# key -> [encoded key, values, steps, timestamps] of the points kept on the Python side
		self._series: Dict[str, list] = {}
		self._npend = 0
		self._pend_t0 = 0.0
		self.ended = False

	def __repr__(self) -> str:
		return "<mlops.Run %s %r>" % (self.id, self.name)

	@property
	def _h(self) -> c_void_p:
		if not self._handle:
			raise InvalidError("the run handle is closed")
		return self._handle

	def __enter__(self) -> "Run":
		return self

	def __exit__(self, exc_type, exc, tb) -> None:
		try:
			if self._handle and not self.ended:
				if exc_type is None:
					self.end("FINISHED")
				else:
					try:
						self.end("FAILED")
					except Exception:
						pass  # the block's own exception is the one to report
		finally:
			self.close()

	def __del__(self):
		try:
			self.close()
		except Exception:
			pass

	def close(self) -> None:
		"""Flush and release the handle, leaving the status as it is (a run never ended stays RUNNING)."""
		h = getattr(self, "_handle", None)
		if h:
			try:
				self._drain()
			finally:
				self._handle = None
				self._series = {}  # a closed handle sends every log_metric to _first_point, which refuses it
				lib().mlops_run_free(h)

	def _drain(self) -> None:
		"""Hand the Python-side points to the library: one mlops_run_log_metric_series call per key."""
		if not self._npend:
			return
		self._npend = 0
		h, L, first = self._h, self._L, None
		for ent in self._series.values():
			n = len(ent[3])
			if not n:
				continue
			v, st, ts = ent[1], ent[2], ent[3]
			ent[1], ent[2], ent[3] = array("d"), array("q"), array("q")
			rc = L.mlops_run_log_metric_series(h, ent[0], (c_double * n).from_buffer(v),
			                                   (c_int64 * n).from_buffer(st), (c_int64 * n).from_buffer(ts), n)
			if rc < 0 and first is None:
				first = last_error(L, rc)
		if first is not None:
			raise first

	def log_param(self, key: str, value: Any, overwrite: bool = False) -> None:
		"""Log a param (stored as text). Another value for a logged key raises ConflictError unless overwrite."""
		L = self._L
		if overwrite:
			check(L, L.mlops_run_log_param_ex(self._h, enc(key), enc(str(value)), _ffi.MLOPS_PARAM_OVERWRITE))
		else:
			check(L, L.mlops_run_log_param(self._h, enc(key), enc(str(value))))

	def log_params(self, params: Mapping[str, Any]) -> None:
		"""Log several params atomically (all or none)."""
		L = self._L
		keys, n = str_array(list(params.keys()))
		values, _ = str_array([str(v) for v in params.values()])
		check(L, L.mlops_run_log_params(self._h, keys, values, n))

	def log_metric(self, key: str, value: float, step: int = 0, timestamp_ms: int = 0) -> None:
		"""Buffer one metric point (timestamp_ms 0: now)."""
		ent = self._series.get(key)
		if ent is None:
			self._first_point(key, value, step, timestamp_ms)
			return
		now = _time_ns()
		ts = ent[3]
		try:
			ent[1].append(value)
			ent[2].append(step)
			ts.append(timestamp_ms or now // 1000000)
		except (TypeError, OverflowError) as e:
			del ent[1][len(ts):], ent[2][len(ts):]
			raise InvalidError("metric %r: value must be a number and step, timestamp int64 (%s)" % (key, e)) from None
		n = self._npend
		if not n:
			self._pend_t0 = now
		self._npend = n + 1
		if n >= PY_BUFFER_POINTS - 1 or now - self._pend_t0 > PY_BUFFER_NS:
			self._drain()

	def _first_point(self, key: str, value: float, step: int, timestamp_ms: int) -> None:
		"""The first point of a key goes straight to the library, which validates the key."""
		kb = key.encode()
		rc = self._log_metric(self._h, kb, value, step, timestamp_ms)
		if rc < 0:
			raise last_error(self._L, rc)
		self._series[key] = [kb, array("d"), array("q"), array("q")]

	def log_metrics(self, metrics: Mapping[str, float], step: int = 0, timestamp_ms: int = 0) -> None:
		"""Buffer one point for each key of metrics, all at the same step, in one C call."""
		self._drain()
		L = self._L
		keys, n = str_array(list(metrics.keys()))
		if n == 0:
			return
		vals, _, keep = doubles(list(metrics.values()))
		steps = (c_int64 * n)(*([step] * n))
		ts = (c_int64 * n)(*([timestamp_ms] * n)) if timestamp_ms else None
		check(L, L.mlops_run_log_metrics(self._h, keys, vals, steps, ts, n))

	def log_batch(self, keys: Sequence[str], values, steps=None, timestamps=None) -> None:
		"""Buffer n points of possibly different keys: point i is (keys[i], values[i], steps[i], timestamps[i])."""
		self._drain()
		L = self._L
		ckeys, n = str_array(keys)
		vals, nv, keep_v = doubles(values)
		if nv != n:
			raise InvalidError("%d keys but %d values" % (n, nv))
		st, keep_s = int64s(steps, n)
		ts, keep_t = int64s(timestamps, n)
		check(L, L.mlops_run_log_metrics(self._h, ckeys, vals, st, ts, n))

	def log_metric_series(self, key: str, values, steps=None, timestamps=None) -> None:
		"""Buffer many points of one key in one C call; values (and steps, timestamps) may be numpy arrays.

		steps None: step i for point i; timestamps None: now.
		"""
		self._drain()
		L = self._L
		vals, n, keep_v = doubles(values)
		st, keep_s = int64s(steps, n)
		ts, keep_t = int64s(timestamps, n)
		check(L, L.mlops_run_log_metric_series(self._h, enc(key), vals, st, ts, n))

	@property
	def buffered(self) -> int:
		"""Points buffered and not yet committed."""
		return self._L.mlops_run_buffered(self._h) + self._npend

	def flush(self) -> None:
		"""Commit the buffered points in one transaction."""
		self._drain()
		check(self._L, self._L.mlops_run_flush(self._h))

	def set_tag(self, key: str, value: str) -> None:
		"""Set (create or replace) a run tag."""
		check(self._L, self._L.mlops_run_set_tag(self._h, enc(key), enc(value)))

	def delete_tag(self, key: str) -> None:
		"""Delete a run tag. Raises NotFoundError."""
		check(self._L, self._L.mlops_run_delete_tag(self._h, enc(key)))

	def set_note(self, text: str) -> None:
		"""Set the run's markdown note ("" clears it)."""
		check(self._L, self._L.mlops_run_set_note(self._h, enc(text)))

	def log_artifact(self, local_path, artifact_path: Optional[str] = None) -> None:
		"""Log a file or a directory (recursively) under artifact_path."""
		check(self._L, self._L.mlops_run_log_artifact(self._h, enc(local_path), enc(artifact_path)))

	def log_artifacts(self, local_dir, artifact_path: Optional[str] = None) -> None:
		"""Log the contents of a directory under artifact_path."""
		check(self._L, self._L.mlops_run_log_artifacts(self._h, enc(local_dir), enc(artifact_path)))

	def log_artifact_data(self, path: str, data) -> None:
		"""Log bytes (any bytes-like object) as the artifact at path."""
		ptr, size, _keep = buffer_arg(data)
		check(self._L, self._L.mlops_run_log_artifact_data(self._h, enc(path), ptr, size))

	def log_text(self, text: str, path: str) -> None:
		"""Log text as the artifact at path (MLflow's log_text)."""
		self.log_artifact_data(path, text.encode("utf-8"))

	def log_input(self, kind: str, oid: str, context: Optional[str] = None) -> None:
		"""Record an input (kind mlops.KIND_DATASET_VERSION or mlops.KIND_OBJECT) and its lineage edge."""
		check(self._L, self._L.mlops_run_log_input(self._h, enc(kind), enc(oid), enc(context)))

	def end(self, status: Union[str, int] = "FINISHED") -> None:
		"""Flush, then set a terminal status (FINISHED, FAILED or KILLED) and the end time."""
		self._drain()
		check(self._L, self._L.mlops_run_end(self._h, _status(status)))
		self.ended = True


class MetricPoint(NamedTuple):
	step: int
	timestamp_ms: int
	value: float


class MetricHistory:
	"""The points of one metric: steps, timestamps and values as numpy arrays (array.array without numpy).

	Iterating yields MetricPoint tuples; to_pandas() gives a DataFrame.
	"""

	def __init__(self, key: str, steps, timestamps, values):
		self.key = key
		self.steps = steps
		self.timestamps = timestamps
		self.values = values

	def __len__(self) -> int:
		return len(self.values)

	def __iter__(self) -> Iterator[MetricPoint]:
		for s, t, v in zip(self.steps, self.timestamps, self.values):
			yield MetricPoint(int(s), int(t), float(v))

	def to_pandas(self):
		"""The points as a DataFrame with columns step, timestamp_ms, value (requires pandas)."""
		import pandas as pd
		return pd.DataFrame({"step": self.steps, "timestamp_ms": self.timestamps, "value": self.values})


class RunsAPI:
	"""Experiment and run calls of a Store (mixed into mlops.Store)."""

	_h: c_void_p

	# ---- experiments ----

	def create_experiment(self, name: str, artifact_location: Optional[str] = None) -> str:
		"""Create an experiment and return its id. Raises ExistsError when the name is taken."""
		L = lib()
		out = create_string_buffer(_ffi.MLOPS_EXPERIMENT_ID_BUFSIZE)
		check(L, L.mlops_experiment_create(out, self._h, enc(name), enc(artifact_location)))
		return out.value.decode()

	def get_experiment(self, experiment_id: str) -> ExperimentInfo:
		"""An experiment by id. Raises NotFoundError or InvalidError."""
		return self._get_experiment("mlops_experiment_get", experiment_id)

	def get_experiment_by_name(self, name: str) -> ExperimentInfo:
		"""An experiment by its exact name. Raises NotFoundError."""
		return self._get_experiment("mlops_experiment_get_by_name", name)

	def _get_experiment(self, fn: str, arg: str) -> ExperimentInfo:
		L = lib()
		out = POINTER(_ffi.mlops_experiment_info)()
		check(L, getattr(L, fn)(byref(out), self._h, enc(arg)))
		try:
			return ExperimentInfo._from_c(out.contents)
		finally:
			L.mlops_experiment_info_free(out)

	def experiments(self, view: Union[str, int] = "active", name_like: Optional[str] = None
	                ) -> Iterator[ExperimentInfo]:
		"""Experiments in id order (view "active", "deleted" or "all"; name_like an SQL LIKE pattern)."""
		L = lib()
		keep: List = []
		opts = options(_ffi.mlops_experiment_list_options, "mlops_experiment_list_options_init",
		               _ffi.MLOPS_EXPERIMENT_LIST_OPTIONS_VERSION, keep, view=_view(view), name_like=name_like)
		it = c_void_p()
		check(L, L.mlops_experiment_list(byref(it), self._h, byref(opts)))
		return CIterator(it, "mlops_experiment_next", "mlops_experiment_iter_free", ExperimentInfo._from_c)

	def rename_experiment(self, experiment_id: str, new_name: str) -> None:
		"""Rename an experiment. Raises NotFoundError, ExistsError or ConflictError (deleted)."""
		L = lib()
		check(L, L.mlops_experiment_rename(self._h, enc(experiment_id), enc(new_name)))

	def set_experiment_tag(self, experiment_id: str, key: str, value: str) -> None:
		"""Set (create or replace) an experiment tag."""
		L = lib()
		check(L, L.mlops_experiment_set_tag(self._h, enc(experiment_id), enc(key), enc(value)))

	def delete_experiment_tag(self, experiment_id: str, key: str) -> None:
		"""Delete an experiment tag. Raises NotFoundError."""
		L = lib()
		check(L, L.mlops_experiment_delete_tag(self._h, enc(experiment_id), enc(key)))

	def experiment_tags(self, experiment_id: str) -> Dict[str, str]:
		"""An experiment's tags, in key order."""
		L = lib()
		it = c_void_p()
		check(L, L.mlops_experiment_tags(byref(it), self._h, enc(experiment_id)))
		return _kv_dict(it)

	def delete_experiment(self, experiment_id: str) -> None:
		"""Soft-delete an experiment (and hide its active runs)."""
		L = lib()
		check(L, L.mlops_experiment_delete(self._h, enc(experiment_id)))

	def restore_experiment(self, experiment_id: str) -> None:
		"""Restore a soft-deleted experiment and the runs its deletion hid."""
		L = lib()
		check(L, L.mlops_experiment_restore(self._h, enc(experiment_id)))

	# ---- run handles ----

	def start_run(self, *, experiment_id: Optional[str] = None, experiment_name: Optional[str] = None,
	              run_name: Optional[str] = None, parent_run_id: Optional[str] = None,
	              tags: Optional[Mapping[str, str]] = None, source_name: Optional[str] = None,
	              source_type: Optional[str] = None, git_commit: Optional[str] = None,
	              git_branch: Optional[str] = None, git_repo_url: Optional[str] = None, start_ms: int = 0,
	              flush_points: int = 0, flush_interval_ms: int = 0) -> Run:
		"""Start a run (RUNNING). experiment_name is created when missing; neither: the Default experiment."""
		L = lib()
		keep: List = []
		opts = options(_ffi.mlops_run_options, "mlops_run_options_init", _ffi.MLOPS_RUN_OPTIONS_VERSION, keep,
		               experiment_id=experiment_id, experiment_name=experiment_name, run_name=run_name,
		               parent_run_id=parent_run_id, source_name=source_name, source_type=source_type,
		               git_commit=git_commit, git_branch=git_branch, git_repo_url=git_repo_url,
		               start_ms=start_ms, flush_points=flush_points, flush_interval_ms=flush_interval_ms)
		if tags:
			keys, n = str_array(list(tags.keys()))
			values, _ = str_array([str(v) for v in tags.values()])
			keep += [keys, values]
			opts.tag_keys, opts.tag_values, opts.n_tags = keys, values, n
		h = c_void_p()
		check(L, L.mlops_run_start(byref(h), self._h, byref(opts)))
		return Run(h)

	def resume_run(self, run_id: str) -> Run:
		"""Reopen a run for logging (status back to RUNNING)."""
		L = lib()
		h = c_void_p()
		check(L, L.mlops_run_resume(byref(h), self._h, enc(run_id)))
		return Run(h)

	# ---- runs by id ----

	def get_run(self, run_id: str) -> RunInfo:
		"""A run's info (ids, name, user, status, times). Raises NotFoundError or InvalidError."""
		L = lib()
		out = POINTER(_ffi.mlops_run_info)()
		check(L, L.mlops_runs_get(byref(out), self._h, enc(run_id)))
		try:
			return RunInfo._from_c(out.contents)
		finally:
			L.mlops_run_info_free(out)

	def runs(self, experiment_ids: Optional[Sequence[str]] = None, view: Union[str, int] = "active",
	         parent_run_id: Optional[str] = None, limit: int = 0) -> Iterator[RunInfo]:
		"""Runs, newest first."""
		L = lib()
		keep: List = []
		opts = options(_ffi.mlops_run_list_options, "mlops_run_list_options_init",
		               _ffi.MLOPS_RUN_LIST_OPTIONS_VERSION, keep, experiment_ids=experiment_ids, view=_view(view),
		               parent_run_id=parent_run_id, limit=limit)
		it = c_void_p()
		check(L, L.mlops_runs_list(byref(it), self._h, byref(opts)))
		return CIterator(it, "mlops_runs_next", "mlops_run_iter_free", RunInfo._from_c)

	def run_params(self, run_id: str) -> Dict[str, str]:
		"""A run's params, in key order."""
		L = lib()
		it = c_void_p()
		check(L, L.mlops_runs_params(byref(it), self._h, enc(run_id)))
		return _kv_dict(it)

	def get_param(self, run_id: str, key: str) -> str:
		"""One param's value. Raises NotFoundError."""
		L = lib()
		out = c_void_p()
		check(L, L.mlops_runs_param_get(byref(out), self._h, enc(run_id), enc(key)))
		try:
			return string_at(out.value).decode("utf-8", "replace")
		finally:
			L.mlops_free(out)

	def run_tags(self, run_id: str) -> Dict[str, str]:
		"""A run's tags (system tags included), in key order."""
		L = lib()
		it = c_void_p()
		check(L, L.mlops_runs_tags(byref(it), self._h, enc(run_id)))
		return _kv_dict(it)

	def set_run_tag(self, run_id: str, key: str, value: str) -> None:
		"""Set (create or replace) a tag by run id."""
		L = lib()
		check(L, L.mlops_runs_set_tag(self._h, enc(run_id), enc(key), enc(value)))

	def delete_run_tag(self, run_id: str, key: str) -> None:
		"""Delete a tag by run id. Raises NotFoundError."""
		L = lib()
		check(L, L.mlops_runs_delete_tag(self._h, enc(run_id), enc(key)))

	def log_run_param(self, run_id: str, key: str, value: Any, overwrite: bool = False) -> None:
		"""Log a param by run id (overwrite replaces a logged value instead of raising ConflictError)."""
		L = lib()
		flags = _ffi.MLOPS_PARAM_OVERWRITE if overwrite else 0
		check(L, L.mlops_runs_log_param(self._h, enc(run_id), enc(key), enc(str(value)), flags))

	def log_run_metric(self, run_id: str, key: str, value: float, step: int = 0, timestamp_ms: int = 0) -> None:
		"""Log one point by run id, committed before return (use a Run handle for many points)."""
		L = lib()
		check(L, L.mlops_runs_log_metric(self._h, enc(run_id), enc(key), value, step, timestamp_ms))

	def log_run_batch(self, run_id: str, metrics=None, params: Optional[Mapping[str, Any]] = None,
	                  tags: Optional[Mapping[str, str]] = None, overwrite: bool = False) -> None:
		"""Log metrics, params and tags by run id in one transaction, all or nothing (MlflowClient.log_batch).

		metrics: a dict {key: value} (step 0, now), or a sequence of (key, value[, step[, timestamp_ms]]) tuples.
		"""
		L = lib()
		keep: List = []
		b = options(_ffi.mlops_run_batch, "mlops_run_batch_init", _ffi.MLOPS_RUN_BATCH_VERSION, keep,
		            flags=_ffi.MLOPS_PARAM_OVERWRITE if overwrite else 0)
		if metrics:
			points = [(k, v) for k, v in metrics.items()] if isinstance(metrics, Mapping) else list(metrics)
			if any(not 2 <= len(p) <= 4 for p in points):
				raise InvalidError("metric points are (key, value[, step[, timestamp_ms]]) tuples")
			keys, n = str_array([p[0] for p in points])
			vals, _, kv = doubles([p[1] for p in points])
			steps, ks = int64s([p[2] if len(p) > 2 else 0 for p in points], n)
			stamps, kt = int64s([p[3] if len(p) > 3 else 0 for p in points], n)
			keep += [keys, kv, ks, kt]
			b.metric_keys, b.metric_values, b.metric_steps, b.metric_timestamps, b.n_metrics = \
				keys, vals, steps, stamps, n
		if params:
			pk, n = str_array(list(params.keys()))
			pv, _ = str_array([str(v) for v in params.values()])
			keep += [pk, pv]
			b.param_keys, b.param_values, b.n_params = pk, pv, n
		if tags:
			tk, n = str_array(list(tags.keys()))
			tv, _ = str_array([str(v) for v in tags.values()])
			keep += [tk, tv]
			b.tag_keys, b.tag_values, b.n_tags = tk, tv, n
		check(L, L.mlops_runs_log_batch(self._h, enc(run_id), byref(b)))

	def set_terminated(self, run_id: str, status: Union[str, int] = "FINISHED", end_ms: int = 0) -> None:
		"""Set a run's terminal status and end time by id (end_ms 0: now)."""
		L = lib()
		check(L, L.mlops_runs_set_terminated(self._h, enc(run_id), _status(status), end_ms))

	def delete_run(self, run_id: str) -> None:
		"""Soft-delete a run (it leaves the active listings and refuses writes)."""
		L = lib()
		check(L, L.mlops_runs_delete(self._h, enc(run_id)))

	def restore_run(self, run_id: str) -> None:
		"""Restore a soft-deleted run."""
		L = lib()
		check(L, L.mlops_runs_restore(self._h, enc(run_id)))

	def purge_runs(self, run_id: Optional[str] = None, older_than_ms: int = 0) -> int:
		"""Permanently remove deleted runs (one, or all deleted longer than older_than_ms ago); returns the count."""
		L = lib()
		out = c_uint64()
		check(L, L.mlops_runs_purge(byref(out), self._h, enc(run_id), older_than_ms))
		return out.value

	# ---- metrics ----

	def run_metrics(self, run_id: str) -> Dict[str, MetricSummary]:
		"""Metric summaries of a run by key (last, min, max, count, ...)."""
		L = lib()
		it = c_void_p()
		check(L, L.mlops_runs_metrics(byref(it), self._h, enc(run_id)))
		return {m.key: m for m in CIterator(it, "mlops_metric_next", "mlops_metric_iter_free",
		                                     MetricSummary._from_c)}

	def get_metric(self, run_id: str, key: str) -> MetricSummary:
		"""The summary of one metric of a run (last, min, max, count, steps). Raises NotFoundError."""
		L = lib()
		out = POINTER(_ffi.mlops_metric_summary)()
		check(L, L.mlops_runs_metric_get(byref(out), self._h, enc(run_id), enc(key)))
		try:
			return MetricSummary._from_c(out.contents)
		finally:
			L.mlops_metric_summary_free(out)

	def metric_history(self, run_id: str, key: str, step_min: Optional[int] = None,
	                   step_max: Optional[int] = None, max_points: int = 0) -> MetricHistory:
		"""The points of (run, key) in step order, optionally a step range and downsampled to max_points."""
		L = lib()
		keep: List = []
		opts = options(_ffi.mlops_history_options, "mlops_history_options_init",
		               _ffi.MLOPS_HISTORY_OPTIONS_VERSION, keep, step_min=step_min, step_max=step_max,
		               max_points=max_points)
		h = c_void_p()
		check(L, L.mlops_runs_metric_history(byref(h), self._h, enc(run_id), enc(key), byref(opts)))
		try:
			n = L.mlops_metric_history_count(h)
			steps = as_array(L.mlops_metric_history_steps(h), n, c_int64, "q")
			ts = as_array(L.mlops_metric_history_timestamps(h), n, c_int64, "q")
			values = as_array(L.mlops_metric_history_values(h), n, c_double, "d")
		finally:
			L.mlops_metric_history_free(h)
		return MetricHistory(key, steps, ts, values)

	# ---- artifacts and inputs ----

	def artifacts(self, run_id: str, prefix: Optional[str] = None) -> Iterator[ArtifactInfo]:
		"""A run's artifacts in path order; prefix selects a path or a directory ("model": "model/...")."""
		L = lib()
		it = c_void_p()
		check(L, L.mlops_runs_artifacts(byref(it), self._h, enc(run_id), enc(prefix)))
		return CIterator(it, "mlops_artifact_next", "mlops_artifact_iter_free", ArtifactInfo._from_c)

	def restore_artifacts(self, run_id: str, artifact_path: Optional[str], dest_path) -> None:
		"""Write an artifact (or every artifact under a directory, None for all) to dest_path."""
		L = lib()
		check(L, L.mlops_runs_artifact_restore(self._h, enc(run_id), enc(artifact_path), enc(dest_path)))

	def open_artifact(self, run_id: str, artifact_path: str) -> ObjectReader:
		"""A seekable binary file object over one artifact."""
		L = lib()
		h = c_void_p()
		check(L, L.mlops_runs_artifact_open(byref(h), self._h, enc(run_id), enc(artifact_path)))
		return ObjectReader(h)

	def run_inputs(self, run_id: str) -> Iterator[RunInput]:
		"""A run's inputs (datasets versions, objects) in logging order."""
		L = lib()
		it = c_void_p()
		check(L, L.mlops_runs_inputs(byref(it), self._h, enc(run_id)))
		return CIterator(it, "mlops_input_next", "mlops_input_iter_free", RunInput._from_c)
