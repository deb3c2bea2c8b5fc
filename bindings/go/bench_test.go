// Benchmarks of the Go logging path (go test -run '^$' -bench . ): per-call LogMetric and 10,000-point batches.

package mlops

import (
	"path/filepath"
	"testing"
)

func benchRun(b *testing.B) (*Store, *Run) {
	s, err := Open(filepath.Join(b.TempDir(), "s"), nil)
	if err != nil {
		b.Fatal(err)
	}
	r, err := s.StartRun(nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		r.End(RunFinished)
		r.Close()
		s.Close()
	})
	return s, r
}

func BenchmarkLogMetric(b *testing.B) {
	_, r := benchRun(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := r.LogMetric("loss", 0.5, int64(i), 0); err != nil {
			b.Fatal(err)
		}
	}
	if err := r.Flush(); err != nil {
		b.Fatal(err)
	}
}

func BenchmarkLogMetricSeries10k(b *testing.B) {
	_, r := benchRun(b)
	values := make([]float64, 10000)
	for i := range values {
		values[i] = float64(i)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := r.LogMetricSeries("acc", values, nil, nil); err != nil {
			b.Fatal(err)
		}
	}
	if err := r.Flush(); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N*len(values))/b.Elapsed().Seconds(), "points/s")
}
