// Test plumbing: api.json, the call trace of the generated wrappers, and the check that it covers the API.

package mlops

import (
	"encoding/json"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
)

type apiJSON struct {
	Functions []struct {
		Name string `json:"name"`
	} `json:"functions"`
	Enums []struct {
		Name   string `json:"name"`
		Values []struct {
			Name  string `json:"name"`
			Value int    `json:"value"`
		} `json:"values"`
	} `json:"enums"`
}

func loadAPI(t *testing.T) apiJSON {
	t.Helper()
	b, err := os.ReadFile("../api.json")
	if err != nil {
		t.Fatal(err)
	}
	var a apiJSON
	if err := json.Unmarshal(b, &a); err != nil {
		t.Fatal(err)
	}
	return a
}

var (
	calledMu sync.Mutex
	called   = map[string]bool{}
)

func TestMain(m *testing.M) {
	callTrace = func(name string) {
		calledMu.Lock()
		called[name] = true
		calledMu.Unlock()
	}
	if err := checkVersion(); err != nil {
		panic(err)
	}
	os.Exit(m.Run())
}

func TestGeneratedFunctionsMatchAPI(t *testing.T) {
	a := loadAPI(t)
	if len(a.Functions) != len(apiFunctions) {
		t.Fatalf("api.json has %d functions, mlops_gen.go %d: regenerate", len(a.Functions), len(apiFunctions))
	}
	for i, f := range a.Functions {
		if apiFunctions[i] != f.Name {
			t.Fatalf("function %d: api.json %s, mlops_gen.go %s", i, f.Name, apiFunctions[i])
		}
	}
}

// testEveryFunctionCalled fails when a public function was not called through its wrapper by any test; it runs
// from zz_coverage_test.go, after every other test.
func testEveryFunctionCalled(t *testing.T) {
	calledMu.Lock()
	defer calledMu.Unlock()
	var missing []string
	for _, name := range apiFunctions {
		if !called[name] {
			missing = append(missing, name)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Fatalf("C functions no Go test called (%d): %s", len(missing), strings.Join(missing, ", "))
	}
}
