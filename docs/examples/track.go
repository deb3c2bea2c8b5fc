//go:build ignore

// track.go: experiment tracking from Go with libmlops. It runs a small gradient descent fitting y = 3x + 2 on
// noisy data, once per learning rate, logging params, the loss curve as one batch per epoch and the fitted
// coefficients as an artifact, then searches for the best run and reads its loss history back.
//
//	cd bindings/go && go run ../../docs/examples/track.go -store /tmp/store
//
// (CGO_CFLAGS, CGO_LDFLAGS and LD_LIBRARY_PATH must point at the headers and the built library; see
// docs/api/bindings.md.)
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"math/rand"

	"libmlops.dev/mlops"
)

func main() {
	storePath := flag.String("store", "mlops-store", "store directory (created when missing)")
	flag.Parse()

	store, err := mlops.Open(*storePath, &mlops.Options{Actor: "track.go"})
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()

	rng := rand.New(rand.NewSource(1))
	xs := make([]float64, 200)
	ys := make([]float64, 200)
	for i := range xs {
		xs[i] = rng.Float64()*4 - 2
		ys[i] = 3*xs[i] + 2 + rng.NormFloat64()*0.1
	}

	for _, lr := range []float64{0.001, 0.01, 0.1} {
		err := store.WithRun(&mlops.RunOptions{ExperimentName: "go-linear", RunName: fmt.Sprintf("lr=%g", lr),
			SourceName: "track.go"}, func(run *mlops.Run) error {
			if err := run.LogParams(map[string]string{"lr": fmt.Sprint(lr), "epochs": "50"}); err != nil {
				return err
			}
			w, b := 0.0, 0.0
			losses := make([]float64, 0, 50)
			for epoch := 0; epoch < 50; epoch++ {
				var gw, gb, loss float64
				for i := range xs {
					e := w*xs[i] + b - ys[i]
					gw += 2 * e * xs[i] / float64(len(xs))
					gb += 2 * e / float64(len(xs))
					loss += e * e / float64(len(xs))
				}
				w, b = w-lr*gw, b-lr*gb
				losses = append(losses, loss)
			}
			// The whole curve in one call: steps default to 0..49.
			if err := run.LogMetricSeries("loss", losses, nil, nil); err != nil {
				return err
			}
			if err := run.LogMetric("final_loss", losses[len(losses)-1], 49, 0); err != nil {
				return err
			}
			coef, _ := json.Marshal(map[string]float64{"w": w, "b": b})
			fmt.Printf("run %s lr=%-6g loss %.4f -> %.4f  w=%.3f b=%.3f\n", run.ID[:12], lr, losses[0],
				losses[len(losses)-1], w, b)
			return run.LogArtifactData("model/coefficients.json", coef)
		})
		if err != nil {
			log.Fatal(err)
		}
	}

	page, err := store.SearchRuns(&mlops.SearchOptions{Filter: "params.epochs = '50'",
		OrderBy: []string{"metrics.final_loss ASC"}, MaxResults: 1})
	if err != nil {
		log.Fatal(err)
	}
	best := page.Rows[0]
	hist, err := store.MetricHistory(best.Info.RunID, "loss", &mlops.HistoryOptions{MaxPoints: 10})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("best run %s (%s): %d history points downsampled to %d, last loss %.4f\n",
		best.Info.RunID[:12], best.Info.RunName, 50, len(hist.Values), hist.Values[len(hist.Values)-1])
	arts, err := store.Artifacts(best.Info.RunID, "model")
	if err != nil {
		log.Fatal(err)
	}
	for a, err := range arts.All() {
		if err != nil {
			log.Fatal(err)
		}
		data, err := store.Get(a.ObjectID)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("artifact %s: %s\n", a.Path, data)
	}
}
