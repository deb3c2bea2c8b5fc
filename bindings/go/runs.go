// Experiment tracking: experiments, the run handle, WithRun (ends FAILED on an error or a panic), and reading
// runs, params, tags, metrics, artifacts and inputs by id.

package mlops

/*
#include <stdlib.h>
#include <mlops/mlops.h>
*/
import "C"

import (
	"fmt"
	"runtime"
	"time"
	"unsafe"
)

// RunStatusName returns "RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED" or "UNKNOWN".
func RunStatusName(status RunStatus) string {
	return C.GoString(mlops_run_status_name(C.int(status)))
}

// ParseRunStatus parses a status name (case-insensitive).
func ParseRunStatus(name string) (RunStatus, error) {
	var a cAlloc
	defer a.free()
	var out C.int
	err := mlops_run_status_parse(&out, a.str(name))
	return RunStatus(out), err
}

func (s *Store) kvMap(open func(out **C.mlops_runs_kv_iter) error) (map[string]string, error) {
	var it *C.mlops_runs_kv_iter
	if err := open(&it); err != nil {
		return nil, err
	}
	defer mlops_runs_kv_iter_free(it)
	m := map[string]string{}
	for {
		var kv *C.mlops_runs_kv
		err := mlops_runs_kv_next(&kv, it)
		if isIterOver(err) {
			return m, nil
		}
		if err != nil {
			return nil, err
		}
		m[C.GoString(kv.key)] = C.GoString(kv.value)
	}
}

// ---- experiments ----

// CreateExperiment creates an experiment and returns its id (ErrExists when the name is taken).
func (s *Store) CreateExperiment(name, artifactLocation string) (string, error) {
	c, err := s.handle()
	if err != nil {
		return "", err
	}
	var a cAlloc
	defer a.free()
	var out [ExperimentIdBufsize]C.char
	err = mlops_experiment_create(&out[0], c, a.str(name), a.optStr(artifactLocation))
	runtime.KeepAlive(s)
	if err != nil {
		return "", err
	}
	return C.GoString(&out[0]), nil
}

func (s *Store) experimentBy(byName bool, key string) (ExperimentInfo, error) {
	c, err := s.handle()
	if err != nil {
		return ExperimentInfo{}, err
	}
	var a cAlloc
	defer a.free()
	var out *C.mlops_experiment_info
	if byName {
		err = mlops_experiment_get_by_name(&out, c, a.str(key))
	} else {
		err = mlops_experiment_get(&out, c, a.str(key))
	}
	runtime.KeepAlive(s)
	if err != nil {
		return ExperimentInfo{}, err
	}
	defer mlops_experiment_info_free(out)
	return recordFrom_mlops_experiment_info(out), nil
}

// Experiment returns an experiment by id.
func (s *Store) Experiment(id string) (ExperimentInfo, error) { return s.experimentBy(false, id) }

// ExperimentByName returns an experiment by its exact name.
func (s *Store) ExperimentByName(name string) (ExperimentInfo, error) {
	return s.experimentBy(true, name)
}

// Experiments lists experiments in id order; view 0 means active only, nameLike "" means all.
func (s *Store) Experiments(view ViewType, nameLike string) (*Iter[ExperimentInfo], error) {
	c, err := s.handle()
	if err != nil {
		return nil, err
	}
	var a cAlloc
	defer a.free()
	var opts C.mlops_experiment_list_options
	if err := mlops_experiment_list_options_init(&opts, ExperimentListOptionsVersion); err != nil {
		return nil, err
	}
	opts.view = C.int(view)
	opts.name_like = a.optStr(nameLike)
	var it *C.mlops_experiment_iter
	err = mlops_experiment_list(&it, c, &opts)
	runtime.KeepAlive(s)
	if err != nil {
		return nil, err
	}
	return newIter(func() (ExperimentInfo, error) {
		var e *C.mlops_experiment_info
		if err := mlops_experiment_next(&e, it); err != nil {
			return ExperimentInfo{}, err
		}
		return recordFrom_mlops_experiment_info(e), nil
	}, func() { mlops_experiment_iter_free(it) }), nil
}

// byID runs a call taking the store and C strings.
func (s *Store) byID(call func(c *C.mlops_store, a *cAlloc) error) error {
	c, err := s.handle()
	if err != nil {
		return err
	}
	var a cAlloc
	defer a.free()
	err = call(c, &a)
	runtime.KeepAlive(s)
	return err
}

// RenameExperiment renames an experiment.
func (s *Store) RenameExperiment(id, newName string) error {
	return s.byID(func(c *C.mlops_store, a *cAlloc) error {
		return mlops_experiment_rename(c, a.str(id), a.str(newName))
	})
}

// SetExperimentTag sets an experiment tag.
func (s *Store) SetExperimentTag(id, key, value string) error {
	return s.byID(func(c *C.mlops_store, a *cAlloc) error {
		return mlops_experiment_set_tag(c, a.str(id), a.str(key), a.str(value))
	})
}

// DeleteExperimentTag deletes an experiment tag.
func (s *Store) DeleteExperimentTag(id, key string) error {
	return s.byID(func(c *C.mlops_store, a *cAlloc) error {
		return mlops_experiment_delete_tag(c, a.str(id), a.str(key))
	})
}

// ExperimentTags returns an experiment's tags.
func (s *Store) ExperimentTags(id string) (map[string]string, error) {
	var m map[string]string
	err := s.byID(func(c *C.mlops_store, a *cAlloc) error {
		var err error
		m, err = s.kvMap(func(out **C.mlops_runs_kv_iter) error { return mlops_experiment_tags(out, c, a.str(id)) })
		return err
	})
	return m, err
}

// DeleteExperiment soft-deletes an experiment (and hides its active runs).
func (s *Store) DeleteExperiment(id string) error {
	return s.byID(func(c *C.mlops_store, a *cAlloc) error { return mlops_experiment_delete(c, a.str(id)) })
}

// RestoreExperiment restores a soft-deleted experiment.
func (s *Store) RestoreExperiment(id string) error {
	return s.byID(func(c *C.mlops_store, a *cAlloc) error { return mlops_experiment_restore(c, a.str(id)) })
}

// ---- run handles ----

// RunOptions of StartRun; the zero value starts a run in the Default experiment with a generated name.
type RunOptions struct {
	ExperimentID   string
	ExperimentName string // used when ExperimentID is ""; created when missing
	RunName        string
	ParentRunID    string
	Tags           map[string]string
	SourceName     string
	SourceType     string
	GitCommit      string
	GitBranch      string
	GitRepoURL     string
	StartMs        int64
	FlushPoints    int           // buffered points that trigger a flush; 0: 10,000
	FlushInterval  time.Duration // age of the oldest buffered point that triggers a flush; 0: 5 s
}

// Run is a handle for logging into one run. Metric points are buffered and committed in batches (Flush, End
// and Close commit them). A Run is used by one goroutine at a time.
type Run struct {
	c            *C.mlops_run
	cleanup      runtime.Cleanup
	ID           string
	ExperimentID string
	Name         string
}

func newRun(c *C.mlops_run) *Run {
	r := &Run{c: c, ID: C.GoString(mlops_run_id(c)), ExperimentID: C.GoString(mlops_run_experiment_id(c)),
		Name: C.GoString(mlops_run_name(c))}
	r.cleanup = runtime.AddCleanup(r, func(c *C.mlops_run) { mlops_run_free(c) }, c)
	return r
}

// StartRun starts a run (RUNNING).
func (s *Store) StartRun(opts *RunOptions) (*Run, error) {
	c, err := s.handle()
	if err != nil {
		return nil, err
	}
	var a cAlloc
	defer a.free()
	var co C.mlops_run_options
	if err := mlops_run_options_init(&co, RunOptionsVersion); err != nil {
		return nil, err
	}
	if opts != nil {
		co.experiment_id = a.optStr(opts.ExperimentID)
		co.experiment_name = a.optStr(opts.ExperimentName)
		co.run_name = a.optStr(opts.RunName)
		co.parent_run_id = a.optStr(opts.ParentRunID)
		if len(opts.Tags) > 0 {
			keys := make([]string, 0, len(opts.Tags))
			values := make([]string, 0, len(opts.Tags))
			for k, v := range opts.Tags {
				keys = append(keys, k)
				values = append(values, v)
			}
			co.tag_keys, co.n_tags = a.strs(keys)
			co.tag_values, _ = a.strs(values)
		}
		co.source_name = a.optStr(opts.SourceName)
		co.source_type = a.optStr(opts.SourceType)
		co.git_commit = a.optStr(opts.GitCommit)
		co.git_branch = a.optStr(opts.GitBranch)
		co.git_repo_url = a.optStr(opts.GitRepoURL)
		co.start_ms = C.int64_t(opts.StartMs)
		co.flush_points = C.size_t(opts.FlushPoints)
		co.flush_interval_ms = C.int64_t(opts.FlushInterval / time.Millisecond)
	}
	var rc *C.mlops_run
	err = mlops_run_start(&rc, c, &co)
	runtime.KeepAlive(s)
	if err != nil {
		return nil, err
	}
	return newRun(rc), nil
}

// ResumeRun reopens an existing run for logging (its status becomes RUNNING again).
func (s *Store) ResumeRun(runID string) (*Run, error) {
	c, err := s.handle()
	if err != nil {
		return nil, err
	}
	var a cAlloc
	defer a.free()
	var rc *C.mlops_run
	err = mlops_run_resume(&rc, c, a.str(runID))
	runtime.KeepAlive(s)
	if err != nil {
		return nil, err
	}
	return newRun(rc), nil
}

// WithRun starts a run, calls fn, and ends the run FINISHED when fn returns nil, FAILED when it returns an error
// or panics (the panic continues after the run is ended). It returns fn's error, else End's.
func (s *Store) WithRun(opts *RunOptions, fn func(*Run) error) (err error) {
	r, err := s.StartRun(opts)
	if err != nil {
		return err
	}
	defer r.Close()
	defer func() {
		if p := recover(); p != nil {
			r.End(RunFailed)
			panic(p)
		}
	}()
	if ferr := fn(r); ferr != nil {
		r.End(RunFailed)
		return ferr
	}
	return r.End(RunFinished)
}

func (r *Run) call(f func(c *C.mlops_run, a *cAlloc) error) error {
	if r.c == nil {
		return errClosed("the run handle")
	}
	var a cAlloc
	defer a.free()
	err := f(r.c, &a)
	runtime.KeepAlive(r)
	return err
}

// LogParam logs a param; another value for a logged key is ErrConflict.
func (r *Run) LogParam(key, value string) error {
	return r.call(func(c *C.mlops_run, a *cAlloc) error { return mlops_run_log_param(c, a.str(key), a.str(value)) })
}

// LogParamOverwrite logs a param, replacing a stored value (meant for resumed runs).
func (r *Run) LogParamOverwrite(key, value string) error {
	return r.call(func(c *C.mlops_run, a *cAlloc) error {
		return mlops_run_log_param_ex(c, a.str(key), a.str(value), ParamOverwrite)
	})
}

// LogParams logs several params atomically.
func (r *Run) LogParams(params map[string]string) error {
	keys, values := kvSlices(params)
	return r.call(func(c *C.mlops_run, a *cAlloc) error {
		ck, n := a.strs(keys)
		cv, _ := a.strs(values)
		return mlops_run_log_params(c, ck, cv, n)
	})
}

// LogMetric buffers one point (timestampMs 0: now).
func (r *Run) LogMetric(key string, value float64, step, timestampMs int64) error {
	return r.call(func(c *C.mlops_run, a *cAlloc) error {
		return mlops_run_log_metric(c, a.str(key), C.double(value), C.int64_t(step), C.int64_t(timestampMs))
	})
}

func int64Ptr(v []int64, n int) (*C.int64_t, error) {
	if v == nil {
		return nil, nil
	}
	if len(v) != n {
		return nil, &Error{Code: CodeEINVAL, Message: fmt.Sprintf("expected %d steps or timestamps, got %d", n, len(v))}
	}
	if n == 0 {
		return nil, nil
	}
	return (*C.int64_t)(unsafe.Pointer(&v[0])), nil
}

func float64Ptr(v []float64) *C.double {
	if len(v) == 0 {
		return nil
	}
	return (*C.double)(unsafe.Pointer(&v[0]))
}

// LogMetrics buffers len(keys) points of possibly different keys; steps and timestamps may be nil.
func (r *Run) LogMetrics(keys []string, values []float64, steps, timestamps []int64) error {
	if len(values) != len(keys) {
		return &Error{Code: CodeEINVAL, Message: fmt.Sprintf("%d keys but %d values", len(keys), len(values))}
	}
	sp, err := int64Ptr(steps, len(keys))
	if err != nil {
		return err
	}
	tp, err := int64Ptr(timestamps, len(keys))
	if err != nil {
		return err
	}
	err = r.call(func(c *C.mlops_run, a *cAlloc) error {
		ck, n := a.strs(keys)
		return mlops_run_log_metrics(c, ck, float64Ptr(values), sp, tp, n)
	})
	runtime.KeepAlive(values)
	runtime.KeepAlive(steps)
	runtime.KeepAlive(timestamps)
	return err
}

// LogMetricSeries buffers many points of one key in one C call (no copy of the slices). steps nil: step i for
// point i; timestamps nil: now.
func (r *Run) LogMetricSeries(key string, values []float64, steps, timestamps []int64) error {
	sp, err := int64Ptr(steps, len(values))
	if err != nil {
		return err
	}
	tp, err := int64Ptr(timestamps, len(values))
	if err != nil {
		return err
	}
	err = r.call(func(c *C.mlops_run, a *cAlloc) error {
		return mlops_run_log_metric_series(c, a.str(key), float64Ptr(values), sp, tp, C.size_t(len(values)))
	})
	runtime.KeepAlive(values)
	runtime.KeepAlive(steps)
	runtime.KeepAlive(timestamps)
	return err
}

// Buffered returns the number of points not yet committed.
func (r *Run) Buffered() int {
	if r.c == nil {
		return 0
	}
	n := int(mlops_run_buffered(r.c))
	runtime.KeepAlive(r)
	return n
}

// Flush commits the buffered points in one transaction.
func (r *Run) Flush() error {
	return r.call(func(c *C.mlops_run, a *cAlloc) error { return mlops_run_flush(c) })
}

// SetTag sets a run tag.
func (r *Run) SetTag(key, value string) error {
	return r.call(func(c *C.mlops_run, a *cAlloc) error { return mlops_run_set_tag(c, a.str(key), a.str(value)) })
}

// DeleteTag deletes a run tag.
func (r *Run) DeleteTag(key string) error {
	return r.call(func(c *C.mlops_run, a *cAlloc) error { return mlops_run_delete_tag(c, a.str(key)) })
}

// SetNote sets the run's markdown note ("" clears it).
func (r *Run) SetNote(text string) error {
	return r.call(func(c *C.mlops_run, a *cAlloc) error { return mlops_run_set_note(c, a.str(text)) })
}

// LogArtifact logs a file or a directory under artifactPath ("" for the root).
func (r *Run) LogArtifact(localPath, artifactPath string) error {
	return r.call(func(c *C.mlops_run, a *cAlloc) error {
		return mlops_run_log_artifact(c, a.str(localPath), a.optStr(artifactPath))
	})
}

// LogArtifacts logs the contents of a directory under artifactPath.
func (r *Run) LogArtifacts(localDir, artifactPath string) error {
	return r.call(func(c *C.mlops_run, a *cAlloc) error {
		return mlops_run_log_artifacts(c, a.str(localDir), a.optStr(artifactPath))
	})
}

// LogArtifactData logs bytes as the artifact at path.
func (r *Run) LogArtifactData(path string, data []byte) error {
	err := r.call(func(c *C.mlops_run, a *cAlloc) error {
		return mlops_run_log_artifact_data(c, a.str(path), bytesPtr(data), C.size_t(len(data)))
	})
	runtime.KeepAlive(data)
	return err
}

// LogInput records an input (KindDatasetVersion or KindObject) and its lineage edge; context may be "".
func (r *Run) LogInput(kind, id, context string) error {
	return r.call(func(c *C.mlops_run, a *cAlloc) error {
		return mlops_run_log_input(c, a.str(kind), a.str(id), a.optStr(context))
	})
}

// End flushes, then sets a terminal status (RunFinished, RunFailed or RunKilled) and the end time.
func (r *Run) End(status RunStatus) error {
	return r.call(func(c *C.mlops_run, a *cAlloc) error { return mlops_run_end(c, C.int(status)) })
}

// Close flushes and releases the handle, leaving the status as it is.
func (r *Run) Close() error {
	if r.c != nil {
		r.cleanup.Stop()
		mlops_run_free(r.c)
		r.c = nil
	}
	return nil
}

// ---- runs by id ----

// GetRun returns a run's info.
func (s *Store) GetRun(runID string) (RunInfo, error) {
	var info RunInfo
	err := s.byID(func(c *C.mlops_store, a *cAlloc) error {
		var out *C.mlops_run_info
		if err := mlops_runs_get(&out, c, a.str(runID)); err != nil {
			return err
		}
		info = recordFrom_mlops_run_info(out)
		mlops_run_info_free(out)
		return nil
	})
	return info, err
}

// RunListOptions of Runs; nil lists every active run.
type RunListOptions struct {
	ExperimentIDs []string
	View          ViewType
	ParentRunID   string
	Limit         int
}

// Runs lists runs, newest first.
func (s *Store) Runs(opts *RunListOptions) (*Iter[RunInfo], error) {
	var it *C.mlops_run_iter
	err := s.byID(func(c *C.mlops_store, a *cAlloc) error {
		var co C.mlops_run_list_options
		if err := mlops_run_list_options_init(&co, RunListOptionsVersion); err != nil {
			return err
		}
		if opts != nil {
			co.experiment_ids, co.n_experiment_ids = a.strs(opts.ExperimentIDs)
			co.view = C.int(opts.View)
			co.parent_run_id = a.optStr(opts.ParentRunID)
			co.limit = C.size_t(opts.Limit)
		}
		return mlops_runs_list(&it, c, &co)
	})
	if err != nil {
		return nil, err
	}
	return newIter(func() (RunInfo, error) {
		var e *C.mlops_run_info
		if err := mlops_runs_next(&e, it); err != nil {
			return RunInfo{}, err
		}
		return recordFrom_mlops_run_info(e), nil
	}, func() { mlops_run_iter_free(it) }), nil
}

// RunParams returns a run's params.
func (s *Store) RunParams(runID string) (map[string]string, error) {
	var m map[string]string
	err := s.byID(func(c *C.mlops_store, a *cAlloc) error {
		var err error
		m, err = s.kvMap(func(out **C.mlops_runs_kv_iter) error { return mlops_runs_params(out, c, a.str(runID)) })
		return err
	})
	return m, err
}

// Param returns one param's value.
func (s *Store) Param(runID, key string) (string, error) {
	var v string
	err := s.byID(func(c *C.mlops_store, a *cAlloc) error {
		var out *C.char
		if err := mlops_runs_param_get(&out, c, a.str(runID), a.str(key)); err != nil {
			return err
		}
		v = goStringFree(out)
		return nil
	})
	return v, err
}

// RunTags returns a run's tags (system tags included).
func (s *Store) RunTags(runID string) (map[string]string, error) {
	var m map[string]string
	err := s.byID(func(c *C.mlops_store, a *cAlloc) error {
		var err error
		m, err = s.kvMap(func(out **C.mlops_runs_kv_iter) error { return mlops_runs_tags(out, c, a.str(runID)) })
		return err
	})
	return m, err
}

// SetRunTag sets a tag by run id.
func (s *Store) SetRunTag(runID, key, value string) error {
	return s.byID(func(c *C.mlops_store, a *cAlloc) error {
		return mlops_runs_set_tag(c, a.str(runID), a.str(key), a.str(value))
	})
}

// DeleteRunTag deletes a tag by run id.
func (s *Store) DeleteRunTag(runID, key string) error {
	return s.byID(func(c *C.mlops_store, a *cAlloc) error { return mlops_runs_delete_tag(c, a.str(runID), a.str(key)) })
}

// LogRunParam logs a param by run id (overwrite replaces a stored value).
func (s *Store) LogRunParam(runID, key, value string, overwrite bool) error {
	flags := C.uint32_t(0)
	if overwrite {
		flags = ParamOverwrite
	}
	return s.byID(func(c *C.mlops_store, a *cAlloc) error {
		return mlops_runs_log_param(c, a.str(runID), a.str(key), a.str(value), flags)
	})
}

// LogRunMetric logs one point by run id, committed before return.
func (s *Store) LogRunMetric(runID, key string, value float64, step, timestampMs int64) error {
	return s.byID(func(c *C.mlops_store, a *cAlloc) error {
		return mlops_runs_log_metric(c, a.str(runID), a.str(key), C.double(value), C.int64_t(step),
			C.int64_t(timestampMs))
	})
}

// RunBatch is what LogRunBatch logs: metric points (MetricKeys[i], MetricValues[i], MetricSteps[i],
// MetricTimestamps[i]; steps and timestamps may be nil), params and tags.
type RunBatch struct {
	MetricKeys       []string
	MetricValues     []float64
	MetricSteps      []int64
	MetricTimestamps []int64
	Params           map[string]string
	Tags             map[string]string
	Overwrite        bool // replace logged params instead of refusing other values
}

func kvSlices(m map[string]string) ([]string, []string) {
	keys := make([]string, 0, len(m))
	values := make([]string, 0, len(m))
	for k, v := range m {
		keys = append(keys, k)
		values = append(values, v)
	}
	return keys, values
}

// LogRunBatch logs metrics, params and tags by run id in one transaction, all or nothing.
func (s *Store) LogRunBatch(runID string, b *RunBatch) error {
	if len(b.MetricValues) != len(b.MetricKeys) {
		return &Error{Code: CodeEINVAL, Message: fmt.Sprintf("%d metric keys but %d values", len(b.MetricKeys),
			len(b.MetricValues))}
	}
	sp, err := int64Ptr(b.MetricSteps, len(b.MetricKeys))
	if err != nil {
		return err
	}
	tp, err := int64Ptr(b.MetricTimestamps, len(b.MetricKeys))
	if err != nil {
		return err
	}
	// The batch struct is Go memory pointing into the slices: cgo accepts that only for pinned memory.
	var pin runtime.Pinner
	defer pin.Unpin()
	if vp := float64Ptr(b.MetricValues); vp != nil {
		pin.Pin(vp)
	}
	if sp != nil {
		pin.Pin(sp)
	}
	if tp != nil {
		pin.Pin(tp)
	}
	err = s.byID(func(c *C.mlops_store, a *cAlloc) error {
		var cb C.mlops_run_batch
		if err := mlops_run_batch_init(&cb, RunBatchVersion); err != nil {
			return err
		}
		cb.metric_keys, cb.n_metrics = a.strs(b.MetricKeys)
		cb.metric_values, cb.metric_steps, cb.metric_timestamps = float64Ptr(b.MetricValues), sp, tp
		pk, pv := kvSlices(b.Params)
		cb.param_keys, cb.n_params = a.strs(pk)
		cb.param_values, _ = a.strs(pv)
		tk, tv := kvSlices(b.Tags)
		cb.tag_keys, cb.n_tags = a.strs(tk)
		cb.tag_values, _ = a.strs(tv)
		if b.Overwrite {
			cb.flags = ParamOverwrite
		}
		return mlops_runs_log_batch(c, a.str(runID), &cb)
	})
	runtime.KeepAlive(b)
	return err
}

// SetTerminated sets a run's status and end time (endMs 0: now).
func (s *Store) SetTerminated(runID string, status RunStatus, endMs int64) error {
	return s.byID(func(c *C.mlops_store, a *cAlloc) error {
		return mlops_runs_set_terminated(c, a.str(runID), C.int(status), C.int64_t(endMs))
	})
}

// DeleteRun soft-deletes a run.
func (s *Store) DeleteRun(runID string) error {
	return s.byID(func(c *C.mlops_store, a *cAlloc) error { return mlops_runs_delete(c, a.str(runID)) })
}

// RestoreRun restores a soft-deleted run.
func (s *Store) RestoreRun(runID string) error {
	return s.byID(func(c *C.mlops_store, a *cAlloc) error { return mlops_runs_restore(c, a.str(runID)) })
}

// PurgeRuns permanently removes a deleted run (runID) or every run deleted longer than olderThanMs ago ("").
func (s *Store) PurgeRuns(runID string, olderThanMs int64) (uint64, error) {
	var n C.uint64_t
	err := s.byID(func(c *C.mlops_store, a *cAlloc) error {
		return mlops_runs_purge(&n, c, a.optStr(runID), C.int64_t(olderThanMs))
	})
	return uint64(n), err
}
