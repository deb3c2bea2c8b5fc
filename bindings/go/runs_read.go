// Reading run results: metric summaries and histories, artifacts, inputs, search, compare, and MLflow interop.

package mlops

/*
#include <mlops/mlops.h>
*/
import "C"

import (
	"iter"
	"math"
	"unsafe"
)

// RunMetrics returns a run's metric summaries in key order.
func (s *Store) RunMetrics(runID string) ([]MetricSummary, error) {
	var out []MetricSummary
	err := s.byID(func(c *C.mlops_store, a *cAlloc) error {
		var it *C.mlops_metric_iter
		if err := mlops_runs_metrics(&it, c, a.str(runID)); err != nil {
			return err
		}
		defer mlops_metric_iter_free(it)
		for {
			var m *C.mlops_metric_summary
			err := mlops_metric_next(&m, it)
			if isIterOver(err) {
				return nil
			}
			if err != nil {
				return err
			}
			out = append(out, recordFrom_mlops_metric_summary(m))
		}
	})
	return out, err
}

// Metric returns the summary of one metric of a run.
func (s *Store) Metric(runID, key string) (MetricSummary, error) {
	var m MetricSummary
	err := s.byID(func(c *C.mlops_store, a *cAlloc) error {
		var out *C.mlops_metric_summary
		if err := mlops_runs_metric_get(&out, c, a.str(runID), a.str(key)); err != nil {
			return err
		}
		m = recordFrom_mlops_metric_summary(out)
		mlops_metric_summary_free(out)
		return nil
	})
	return m, err
}

// HistoryOptions select a step range and downsampling; nil means every point.
type HistoryOptions struct {
	StepMin, StepMax int64 // inclusive range; both 0 means every step
	MaxPoints        int   // 0: every point; else at most this many (>= 2), keeping each bucket's extremes
}

// MetricHistory holds the points of one metric in step order.
type MetricHistory struct {
	Steps      []int64
	Timestamps []int64
	Values     []float64
}

// MetricHistory reads the points of (run, key).
func (s *Store) MetricHistory(runID, key string, opts *HistoryOptions) (MetricHistory, error) {
	var h MetricHistory
	err := s.byID(func(c *C.mlops_store, a *cAlloc) error {
		var co C.mlops_history_options
		if err := mlops_history_options_init(&co, HistoryOptionsVersion); err != nil {
			return err
		}
		if opts != nil {
			if opts.StepMin != 0 || opts.StepMax != 0 {
				co.step_min, co.step_max = C.int64_t(opts.StepMin), C.int64_t(opts.StepMax)
			}
			co.max_points = C.size_t(opts.MaxPoints)
		}
		var hc *C.mlops_metric_history
		if err := mlops_runs_metric_history(&hc, c, a.str(runID), a.str(key), &co); err != nil {
			return err
		}
		defer mlops_metric_history_free(hc)
		n := int(mlops_metric_history_count(hc))
		h.Steps = make([]int64, n)
		h.Timestamps = make([]int64, n)
		h.Values = make([]float64, n)
		if n > 0 {
			copy(h.Steps, unsafe.Slice((*int64)(unsafe.Pointer(mlops_metric_history_steps(hc))), n))
			copy(h.Timestamps, unsafe.Slice((*int64)(unsafe.Pointer(mlops_metric_history_timestamps(hc))), n))
			copy(h.Values, unsafe.Slice((*float64)(unsafe.Pointer(mlops_metric_history_values(hc))), n))
		}
		return nil
	})
	return h, err
}

// Artifacts lists a run's artifacts in path order; prefix "" lists all.
func (s *Store) Artifacts(runID, prefix string) (*Iter[ArtifactInfo], error) {
	var it *C.mlops_artifact_iter
	err := s.byID(func(c *C.mlops_store, a *cAlloc) error {
		return mlops_runs_artifacts(&it, c, a.str(runID), a.optStr(prefix))
	})
	if err != nil {
		return nil, err
	}
	return newIter(func() (ArtifactInfo, error) {
		var e *C.mlops_artifact_info
		if err := mlops_artifact_next(&e, it); err != nil {
			return ArtifactInfo{}, err
		}
		return recordFrom_mlops_artifact_info(e), nil
	}, func() { mlops_artifact_iter_free(it) }), nil
}

// RestoreArtifacts writes an artifact, or every artifact under a directory ("" for all), to destPath.
func (s *Store) RestoreArtifacts(runID, artifactPath, destPath string) error {
	return s.byID(func(c *C.mlops_store, a *cAlloc) error {
		return mlops_runs_artifact_restore(c, a.str(runID), a.optStr(artifactPath), a.str(destPath))
	})
}

// OpenArtifact opens one artifact as a verified stream.
func (s *Store) OpenArtifact(runID, artifactPath string) (*ObjectReader, error) {
	var rc *C.mlops_object_reader
	err := s.byID(func(c *C.mlops_store, a *cAlloc) error {
		return mlops_runs_artifact_open(&rc, c, a.str(runID), a.str(artifactPath))
	})
	if err != nil {
		return nil, err
	}
	return newObjectReader(rc), nil
}

// RunInputs lists a run's inputs in logging order.
func (s *Store) RunInputs(runID string) (*Iter[RunInput], error) {
	var it *C.mlops_input_iter
	err := s.byID(func(c *C.mlops_store, a *cAlloc) error { return mlops_runs_inputs(&it, c, a.str(runID)) })
	if err != nil {
		return nil, err
	}
	return newIter(func() (RunInput, error) {
		var e *C.mlops_run_input
		if err := mlops_input_next(&e, it); err != nil {
			return RunInput{}, err
		}
		return recordFrom_mlops_run_input(e), nil
	}, func() { mlops_input_iter_free(it) }), nil
}

// SearchOptions of SearchRuns (MLflow's filter grammar, order_by, pagination and projections).
type SearchOptions struct {
	ExperimentIDs []string
	Filter        string   // e.g. "metrics.acc > 0.9 and params.lr = '0.1'"
	OrderBy       []string // e.g. "metrics.acc DESC"
	View          ViewType
	MaxResults    int    // page size; 0: 1,000
	PageToken     string // from SearchPage.NextPageToken
	ParamKeys     []string
	MetricKeys    []string
	TagKeys       []string
	NoParams      bool
	NoMetrics     bool
	NoTags        bool
}

// SearchPage is one page of a run search.
type SearchPage struct {
	Rows          []RunRow
	NextPageToken string // "" on the last page
}

// SearchRuns returns one page of runs matching opts (ErrParse for a bad filter, with its position).
func (s *Store) SearchRuns(opts *SearchOptions) (SearchPage, error) {
	var page SearchPage
	err := s.byID(func(c *C.mlops_store, a *cAlloc) error {
		var co C.mlops_run_search_options
		if err := mlops_run_search_options_init(&co, RunSearchOptionsVersion); err != nil {
			return err
		}
		if opts != nil {
			co.experiment_ids, co.n_experiment_ids = a.strs(opts.ExperimentIDs)
			co.filter = a.optStr(opts.Filter)
			co.order_by, co.n_order_by = a.strs(opts.OrderBy)
			co.view = C.int(opts.View)
			co.max_results = C.size_t(opts.MaxResults)
			co.page_token = a.optStr(opts.PageToken)
			co.param_keys, co.n_param_keys = a.strs(opts.ParamKeys)
			co.metric_keys, co.n_metric_keys = a.strs(opts.MetricKeys)
			co.tag_keys, co.n_tag_keys = a.strs(opts.TagKeys)
			if opts.NoParams {
				co.flags |= SearchNoParams
			}
			if opts.NoMetrics {
				co.flags |= SearchNoMetrics
			}
			if opts.NoTags {
				co.flags |= SearchNoTags
			}
		}
		var sc *C.mlops_run_search
		if err := mlops_runs_search(&sc, c, &co); err != nil {
			return err
		}
		defer mlops_run_search_free(sc)
		for {
			var row *C.mlops_run_row
			err := mlops_run_search_next(&row, sc)
			if isIterOver(err) {
				break
			}
			if err != nil {
				return err
			}
			page.Rows = append(page.Rows, recordFrom_mlops_run_row(row))
		}
		if tok := mlops_run_search_next_page_token(sc); tok != nil {
			page.NextPageToken = C.GoString(tok)
		}
		return nil
	})
	return page, err
}

// SearchAll yields every run matching opts, page after page.
func (s *Store) SearchAll(opts SearchOptions) iter.Seq2[RunRow, error] {
	return func(yield func(RunRow, error) bool) {
		for {
			page, err := s.SearchRuns(&opts)
			if err != nil {
				yield(RunRow{}, err)
				return
			}
			for _, r := range page.Rows {
				if !yield(r, nil) {
					return
				}
			}
			if page.NextPageToken == "" {
				return
			}
			opts.PageToken = page.NextPageToken
		}
	}
}

// CompareOptions of CompareRuns; nil compares every param and the last value of every metric.
type CompareOptions struct {
	ParamKeys     []string
	MetricKeys    []string
	MetricField   MetricField // MetricLast, MetricMin or MetricMax
	OnlyDifferent bool
}

// Comparison holds runs side by side: Cells[i][j] is run i, column j.
type Comparison struct {
	Runs    []RunInfo
	Columns []CompareColumn
	Cells   [][]CompareCell
}

// CompareRuns compares runs (rows in the order given).
func (s *Store) CompareRuns(runIDs []string, opts *CompareOptions) (Comparison, error) {
	var cmp Comparison
	err := s.byID(func(c *C.mlops_store, a *cAlloc) error {
		var co C.mlops_run_compare_options
		if err := mlops_run_compare_options_init(&co, RunCompareOptionsVersion); err != nil {
			return err
		}
		if opts != nil {
			co.param_keys, co.n_param_keys = a.strs(opts.ParamKeys)
			co.metric_keys, co.n_metric_keys = a.strs(opts.MetricKeys)
			co.metric_field = C.int(opts.MetricField)
			if opts.OnlyDifferent {
				co.flags |= CompareOnlyDifferent
			}
		}
		ids, n := a.strs(runIDs)
		var cc *C.mlops_run_compare
		if err := mlops_runs_compare(&cc, c, ids, n, &co); err != nil {
			return err
		}
		defer mlops_run_compare_free(cc)
		nr, nc := mlops_run_compare_n_runs(cc), mlops_run_compare_n_columns(cc)
		for i := C.size_t(0); i < nr; i++ {
			var info *C.mlops_run_info
			if err := mlops_run_compare_run(&info, cc, i); err != nil {
				return err
			}
			cmp.Runs = append(cmp.Runs, recordFrom_mlops_run_info(info))
		}
		for j := C.size_t(0); j < nc; j++ {
			var col *C.mlops_compare_column
			if err := mlops_run_compare_column(&col, cc, j); err != nil {
				return err
			}
			cmp.Columns = append(cmp.Columns, recordFrom_mlops_compare_column(col))
		}
		for i := C.size_t(0); i < nr; i++ {
			row := make([]CompareCell, nc)
			for j := C.size_t(0); j < nc; j++ {
				var cell *C.mlops_compare_cell
				if err := mlops_run_compare_cell(&cell, cc, i, j); err != nil {
					return err
				}
				row[j] = recordFrom_mlops_compare_cell(cell)
			}
			cmp.Cells = append(cmp.Cells, row)
		}
		return nil
	})
	return cmp, err
}

// Value returns a cell's value: the metric number, else the param text (NaN, "" when absent).
func (c CompareCell) Value() (float64, string) {
	if c.Present == 0 {
		return math.NaN(), ""
	}
	return c.Number, c.Text
}

// MLflowOptions of ExportMLflow and ImportMLflow.
type MLflowOptions struct {
	ExperimentIDs []string // export only these (nil: all)
	View          ViewType // export: 0 means all
	NoArtifacts   bool
	SkipExisting  bool // import: skip runs already stored
}

func (s *Store) mlflow(export bool, dir string, opts *MLflowOptions) (MlflowStats, error) {
	var st MlflowStats
	err := s.byID(func(c *C.mlops_store, a *cAlloc) error {
		var co C.mlops_mlflow_options
		if err := mlops_mlflow_options_init(&co, MlflowOptionsVersion); err != nil {
			return err
		}
		if opts != nil {
			co.experiment_ids, co.n_experiment_ids = a.strs(opts.ExperimentIDs)
			co.view = C.int(opts.View)
			if opts.NoArtifacts {
				co.flags |= MlflowNoArtifacts
			}
			if opts.SkipExisting {
				co.flags |= MlflowSkipExisting
			}
		}
		out := C.mlops_mlflow_stats{version: MlflowStatsVersion}
		var err error
		if export {
			err = mlops_runs_export_mlflow(&out, c, a.str(dir), &co)
		} else {
			err = mlops_runs_import_mlflow(&out, c, a.str(dir), &co)
		}
		st = recordFrom_mlops_mlflow_stats(&out)
		return err
	})
	return st, err
}

// ExportMLflow writes experiments and runs in MLflow's mlruns/ layout.
func (s *Store) ExportMLflow(dir string, opts *MLflowOptions) (MlflowStats, error) {
	return s.mlflow(true, dir, opts)
}

// ImportMLflow imports an mlruns/ directory written by MLflow (or ExportMLflow).
func (s *Store) ImportMLflow(dir string, opts *MLflowOptions) (MlflowStats, error) {
	return s.mlflow(false, dir, opts)
}
