// Tests of experiment tracking: experiments, WithRun, run logging, reads by id, search, compare, mlruns.

package mlops

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRunStatus(t *testing.T) {
	if RunStatusName(RunFinished) != "FINISHED" || RunStatusName(99) != "UNKNOWN" {
		t.Fatal(RunStatusName(RunFinished))
	}
	if st, err := ParseRunStatus("failed"); err != nil || st != RunFailed {
		t.Fatalf("%v %v", st, err)
	}
	if _, err := ParseRunStatus("sleepy"); !errors.Is(err, ErrInvalid) {
		t.Fatal(err)
	}
}

func TestExperiments(t *testing.T) {
	s := openTemp(t, nil)
	id, err := s.CreateExperiment("exp", "/tmp/art")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateExperiment("exp", ""); !errors.Is(err, ErrExists) {
		t.Fatalf("duplicate: %v", err)
	}
	e, err := s.Experiment(id)
	if err != nil || e.Name != "exp" || e.ArtifactLocation != "/tmp/art" {
		t.Fatalf("%+v %v", e, err)
	}
	if e2, _ := s.ExperimentByName("exp"); e2.ExperimentID != id {
		t.Fatalf("by name %+v", e2)
	}
	must(t, s.RenameExperiment(id, "exp2"))
	must(t, s.SetExperimentTag(id, "team", "go"))
	if tags, _ := s.ExperimentTags(id); tags["team"] != "go" {
		t.Fatalf("tags %v", tags)
	}
	must(t, s.DeleteExperimentTag(id, "team"))
	it, err := s.Experiments(ViewActiveOnly, "exp%")
	if err != nil {
		t.Fatal(err)
	}
	list, err := it.Collect()
	if err != nil || len(list) != 1 || list[0].Name != "exp2" || len(list[0].Tags) != 0 {
		t.Fatalf("list %+v %v", list, err)
	}
	must(t, s.DeleteExperiment(id))
	all, _ := s.Experiments(ViewDeletedOnly, "")
	if got, _ := all.Collect(); len(got) != 1 || got[0].Deleted != 1 {
		t.Fatalf("deleted %+v", got)
	}
	must(t, s.RestoreExperiment(id))
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestWithRunFinishedAndFailed(t *testing.T) {
	s := openTemp(t, nil)
	var okID, badID, panicID string
	err := s.WithRun(&RunOptions{ExperimentName: "go", RunName: "ok", Tags: map[string]string{"k": "v"},
		SourceName: "track.go", SourceType: "LOCAL", GitCommit: "abc", GitBranch: "main", GitRepoURL: "u"},
		func(r *Run) error {
			okID = r.ID
			if r.Name != "ok" || r.ExperimentID == "" {
				t.Fatalf("run %+v", r)
			}
			return r.LogParam("lr", "0.1")
		})
	must(t, err)
	boom := errors.New("training diverged")
	err = s.WithRun(nil, func(r *Run) error {
		badID = r.ID
		r.LogMetric("loss", math.Inf(1), 0, 0)
		return boom
	})
	if err != boom {
		t.Fatalf("WithRun returned %v", err)
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("panic swallowed")
			}
		}()
		s.WithRun(&RunOptions{RunName: "panics"}, func(r *Run) error {
			panicID = r.ID
			panic("oops")
		})
	}()
	if info, _ := s.GetRun(okID); info.Status != int(RunFinished) || info.EndMs < info.StartMs {
		t.Fatalf("ok run %+v", info)
	}
	if info, _ := s.GetRun(badID); info.Status != int(RunFailed) {
		t.Fatalf("failed run %+v", info)
	}
	tags, _ := s.RunTags(okID)
	if tags["k"] != "v" || tags[TagSourceName] != "track.go" || tags[TagGitBranch] != "main" {
		t.Fatalf("tags %v", tags)
	}
	if m, _ := s.Metric(badID, "loss"); !math.IsInf(m.Last, 1) {
		t.Fatalf("metric %+v", m)
	}
	// Runs started within the same millisecond tie in the newest-first listing: look the run up by id.
	if info, err := s.GetRun(panicID); err != nil || info.Status != int(RunFailed) || info.RunName != "panics" {
		t.Fatalf("panicked run %+v (%v)", info, err)
	}
}

func TestRunLogging(t *testing.T) {
	s := openTemp(t, nil)
	r, err := s.StartRun(&RunOptions{FlushPoints: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	must(t, r.LogParams(map[string]string{"a": "1", "b": "2"}))
	if err := r.LogParam("a", "9"); !errors.Is(err, ErrConflict) {
		t.Fatalf("conflict: %v", err)
	}
	must(t, r.LogParamOverwrite("a", "9"))
	values := make([]float64, 10000)
	for i := range values {
		values[i] = float64(i) / 10000
	}
	must(t, r.LogMetricSeries("acc", values, nil, nil))
	if r.Buffered() != 10000 {
		t.Fatalf("buffered %d", r.Buffered())
	}
	must(t, r.Flush())
	must(t, r.LogMetrics([]string{"p", "q", "p"}, []float64{1, 2, 3}, []int64{1, 1, 2}, nil))
	if err := r.LogMetrics([]string{"p"}, []float64{1, 2}, nil, nil); !errors.Is(err, ErrInvalid) {
		t.Fatalf("mismatch: %v", err)
	}
	if err := r.LogMetricSeries("x", []float64{1, 2}, []int64{1}, nil); !errors.Is(err, ErrInvalid) {
		t.Fatalf("steps mismatch: %v", err)
	}
	must(t, r.LogMetricSeries("lr", []float64{0.1, 0.01}, []int64{10, 20}, []int64{1000, 2000}))
	must(t, r.SetTag("stage", "dev"))
	must(t, r.DeleteTag("stage"))
	must(t, r.SetNote("hello"))
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "model", "sub"), 0o755)
	os.WriteFile(filepath.Join(dir, "model", "w.bin"), []byte("weights"), 0o644)
	os.WriteFile(filepath.Join(dir, "model", "sub", "c.json"), []byte("{}"), 0o644)
	must(t, r.LogArtifact(filepath.Join(dir, "model"), ""))
	must(t, r.LogArtifacts(filepath.Join(dir, "model"), "copy"))
	must(t, r.LogArtifactData("raw.txt", []byte("raw bytes")))
	oid, _ := s.Put([]byte("input data"))
	must(t, r.LogInput(KindObject, oid, "training"))
	must(t, r.End(RunFinished))

	params, _ := s.RunParams(r.ID)
	if params["a"] != "9" || params["b"] != "2" {
		t.Fatalf("params %v", params)
	}
	if v, err := s.Param(r.ID, "b"); err != nil || v != "2" {
		t.Fatalf("param %q %v", v, err)
	}
	ms, _ := s.RunMetrics(r.ID)
	if len(ms) != 4 || ms[0].Key != "acc" || ms[0].Count != 10000 || ms[2].Key != "p" || ms[2].Last != 3 {
		t.Fatalf("metrics %+v", ms)
	}
	h, err := s.MetricHistory(r.ID, "acc", nil)
	if err != nil || len(h.Values) != 10000 || h.Values[9999] != values[9999] || h.Steps[42] != 42 {
		t.Fatalf("history %d %v", len(h.Values), err)
	}
	part, _ := s.MetricHistory(r.ID, "acc", &HistoryOptions{StepMin: 100, StepMax: 199})
	if len(part.Steps) != 100 || part.Steps[0] != 100 {
		t.Fatalf("range %d", len(part.Steps))
	}
	small, _ := s.MetricHistory(r.ID, "acc", &HistoryOptions{MaxPoints: 10})
	if len(small.Values) > 10 || len(small.Values) < 2 {
		t.Fatalf("downsampled %d", len(small.Values))
	}
	lr, _ := s.MetricHistory(r.ID, "lr", nil)
	if lr.Timestamps[1] != 2000 || lr.Steps[1] != 20 {
		t.Fatalf("lr %+v", lr)
	}
	arts, _ := s.Artifacts(r.ID, "model")
	var paths []string
	for a, err := range arts.All() {
		must(t, err)
		paths = append(paths, a.Path)
	}
	if strings.Join(paths, ",") != "model/sub/c.json,model/w.bin" {
		t.Fatalf("artifacts %v", paths)
	}
	ar, err := s.OpenArtifact(r.ID, "raw.txt")
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 100)
	n, _ := ar.Read(buf)
	ar.Close()
	if string(buf[:n]) != "raw bytes" {
		t.Fatalf("artifact %q", buf[:n])
	}
	dest := filepath.Join(t.TempDir(), "out")
	must(t, s.RestoreArtifacts(r.ID, "copy", dest))
	if b, _ := os.ReadFile(filepath.Join(dest, "w.bin")); string(b) != "weights" {
		t.Fatalf("restored %q", b)
	}
	ins, _ := s.RunInputs(r.ID)
	in, _ := ins.Collect()
	if len(in) != 1 || in[0].ID != oid || in[0].Context != "training" {
		t.Fatalf("inputs %+v", in)
	}
	if err := r.LogParam("late", "x"); err == nil {
		t.Fatal("finished run accepted a param")
	}
	r.Close()
	if err := r.LogMetric("x", 1, 0, 0); !errors.Is(err, ErrInvalid) {
		t.Fatalf("closed handle: %v", err)
	}
}

func TestRunsByID(t *testing.T) {
	s := openTemp(t, nil)
	var ids []string
	for i := 0; i < 3; i++ {
		r, err := s.StartRun(&RunOptions{ExperimentName: "byid"})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.ID)
		r.End(RunFinished)
		r.Close()
	}
	child, _ := s.StartRun(&RunOptions{ParentRunID: ids[0]})
	child.Close()
	kids, _ := s.Runs(&RunListOptions{ParentRunID: ids[0]})
	if got, _ := kids.Collect(); len(got) != 1 || got[0].ParentRunID != ids[0] {
		t.Fatalf("children %+v", got)
	}
	must(t, s.SetRunTag(ids[0], "owner", "me"))
	must(t, s.DeleteRunTag(ids[0], "owner"))
	if err := s.LogRunParam(ids[0], "p", "1", false); !errors.Is(err, ErrConflict) {
		t.Fatalf("finished run: %v", err)
	}
	res, err := s.ResumeRun(ids[0])
	if err != nil {
		t.Fatal(err)
	}
	must(t, s.LogRunParam(ids[0], "p", "1", false))
	must(t, s.LogRunParam(ids[0], "p", "2", true))
	must(t, s.LogRunMetric(ids[0], "m", 5, 3, 0))
	res.Close()
	must(t, s.SetTerminated(ids[0], RunKilled, 0))
	if info, _ := s.GetRun(ids[0]); info.Status != int(RunKilled) {
		t.Fatalf("status %d", info.Status)
	}
	must(t, s.DeleteRun(ids[1]))
	must(t, s.RestoreRun(ids[1]))
	must(t, s.DeleteRun(ids[2]))
	exp, _ := s.ExperimentByName("byid")
	it, _ := s.Runs(&RunListOptions{ExperimentIDs: []string{exp.ExperimentID}, View: ViewAll})
	if got, _ := it.Collect(); len(got) != 3 {
		t.Fatalf("all runs %d", len(got))
	}
	if n, err := s.PurgeRuns(ids[2], 0); err != nil || n != 1 {
		t.Fatalf("purge %d %v", n, err)
	}
	if _, err := s.GetRun(ids[2]); !errors.Is(err, ErrNotFound) {
		t.Fatalf("purged: %v", err)
	}
	if n, _ := s.PurgeRuns("", 0); n != 0 {
		t.Fatalf("purge all %d", n)
	}
}

func TestLogRunBatch(t *testing.T) {
	s := openTemp(t, nil)
	r, err := s.StartRun(nil)
	if err != nil {
		t.Fatal(err)
	}
	r.Close() // still RUNNING
	must(t, s.LogRunBatch(r.ID, &RunBatch{MetricKeys: []string{"a", "a", "b"}, MetricValues: []float64{1, 2, 3},
		MetricSteps: []int64{1, 2, 0}, Params: map[string]string{"p": "1"}, Tags: map[string]string{"t": "x"}}))
	if m, _ := s.Metric(r.ID, "a"); m.Count != 2 || m.Last != 2 {
		t.Fatalf("metric a %+v", m)
	}
	if err := s.LogRunBatch(r.ID, &RunBatch{MetricKeys: []string{"d"}, MetricValues: []float64{1},
		Params: map[string]string{"p": "2"}}); !errors.Is(err, ErrConflict) {
		t.Fatalf("conflicting batch: %v", err)
	}
	if _, err := s.Metric(r.ID, "d"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a refused batch stored a point: %v", err)
	}
	must(t, s.LogRunBatch(r.ID, &RunBatch{Params: map[string]string{"p": "2"}, Overwrite: true,
		MetricTimestamps: nil}))
	if v, _ := s.Param(r.ID, "p"); v != "2" {
		t.Fatalf("overwritten param %q", v)
	}
	if err := s.LogRunBatch(r.ID, &RunBatch{MetricKeys: []string{"x"}}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("keys without values: %v", err)
	}
}

func TestSearchCompareMLflow(t *testing.T) {
	s := openTemp(t, nil)
	var ids []string
	for i, lr := range []string{"0.1", "0.01", "0.001"} {
		r, _ := s.StartRun(&RunOptions{ExperimentName: "search"})
		r.LogParams(map[string]string{"lr": lr})
		r.LogMetric("acc", 0.6+float64(i)*0.1, 0, 0)
		r.End(RunFinished)
		r.Close()
		ids = append(ids, r.ID)
	}
	page, err := s.SearchRuns(&SearchOptions{Filter: "metrics.acc > 0.65", OrderBy: []string{"metrics.acc DESC"}})
	if err != nil || len(page.Rows) != 2 || page.Rows[0].Info.RunID != ids[2] || page.Rows[0].Params["lr"] != "0.001" {
		t.Fatalf("search %+v %v", page, err)
	}
	var all []string
	for row, err := range s.SearchAll(SearchOptions{MaxResults: 1, OrderBy: []string{"params.lr DESC"},
		MetricKeys: []string{"acc"}, NoTags: true}) {
		must(t, err)
		all = append(all, row.Info.RunID)
		if len(row.Tags) != 0 || len(row.Metrics) != 1 {
			t.Fatalf("projection %+v", row)
		}
	}
	if strings.Join(all, ",") != strings.Join(ids, ",") {
		t.Fatalf("pages %v", all)
	}
	exp, _ := s.ExperimentByName("search")
	slim, err := s.SearchRuns(&SearchOptions{NoParams: true, NoMetrics: true, ParamKeys: []string{"lr"},
		TagKeys: []string{"mlflow.runName"}, ExperimentIDs: []string{exp.ExperimentID}, View: ViewAll})
	if err != nil || len(slim.Rows) != 3 {
		t.Fatalf("slim search %d %v", len(slim.Rows), err)
	}
	for _, r := range slim.Rows {
		if len(r.Params) != 0 || len(r.Metrics) != 0 {
			t.Fatalf("no params/metrics %+v", r)
		}
	}
	if _, err := s.SearchRuns(&SearchOptions{Filter: "metrics.acc >>> 1"}); !errors.Is(err, ErrParse) {
		t.Fatalf("bad filter: %v", err)
	}
	cmp, err := s.CompareRuns(ids, &CompareOptions{MetricField: MetricMax})
	if err != nil || len(cmp.Runs) != 3 || len(cmp.Cells) != 3 {
		t.Fatalf("compare %+v %v", cmp, err)
	}
	for j, col := range cmp.Columns {
		if col.Key == "acc" {
			if v, _ := cmp.Cells[2][j].Value(); math.Abs(v-0.8) > 1e-9 {
				t.Fatalf("acc cell %v", v)
			}
		}
		if col.Key == "lr" {
			if _, text := cmp.Cells[0][j].Value(); text != "0.1" {
				t.Fatalf("lr cell %q", text)
			}
		}
	}
	if _, err := s.CompareRuns(ids[:2], &CompareOptions{ParamKeys: []string{"lr"}, MetricKeys: []string{"acc"},
		OnlyDifferent: true}); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "mlruns")
	st, err := s.ExportMLflow(dir, &MLflowOptions{NoArtifacts: true})
	if err != nil || st.Runs != 3 || st.Params != 3 {
		t.Fatalf("export %+v %v", st, err)
	}
	other := openTemp(t, nil)
	imp, err := other.ImportMLflow(dir, nil)
	if err != nil || imp.Runs != 3 {
		t.Fatalf("import %+v %v", imp, err)
	}
	again, err := other.ImportMLflow(dir, &MLflowOptions{SkipExisting: true})
	if err != nil || again.RunsSkipped != 3 {
		t.Fatalf("reimport %+v %v", again, err)
	}
}
