// Tests of datasets (commit, resolve, log, files, tags/refs, diff, readers, checkout, status, push/pull) and tables.

package mlops

import (
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeTree(t *testing.T) string {
	t.Helper()
	d := filepath.Join(t.TempDir(), "data")
	os.MkdirAll(filepath.Join(d, "sub"), 0o755)
	os.WriteFile(filepath.Join(d, "train.csv"), []byte("id,age\n1,30\n2,40\n3,200\n"), 0o644)
	os.WriteFile(filepath.Join(d, "sub", "notes.txt"), []byte("v1"), 0o644)
	return d
}

func TestDatasets(t *testing.T) {
	s := openTemp(t, nil)
	tree := writeTree(t)
	v1, st, err := s.CommitDataset("people", tree, &CommitOptions{Message: "first", MetadataJSON: `{"k":1}`,
		Threads: 1, Ignore: []string{"*.tmp"}})
	if err != nil || st.Created != 1 || st.Seq != 1 || st.Files != 2 {
		t.Fatalf("commit %+v %v", st, err)
	}
	if same, st2, _ := s.CommitDataset("people", tree, nil); same != v1 || st2.Created != 0 {
		t.Fatalf("unchanged commit %s %+v", same, st2)
	}
	os.WriteFile(filepath.Join(tree, "sub", "notes.txt"), []byte("v2 notes"), 0o644)
	os.WriteFile(filepath.Join(tree, "new.txt"), []byte("new"), 0o644)
	v2, _, err := s.CommitDataset("people", tree, &CommitOptions{Parents: []string{"people@v1"}, Always: true,
		NoProfile: true, NoCache: true})
	must(t, err)
	if id, _ := s.ResolveDataset("people@v1"); id != v1 {
		t.Fatalf("resolve %s", id)
	}
	info, err := s.DatasetVersion("people")
	if err != nil || info.VersionID != v2 || len(info.Parents) != 1 || info.Parents[0] != v1 {
		t.Fatalf("version %+v %v", info, err)
	}
	log, _ := s.DatasetLog("people", 0)
	if vs, _ := log.Collect(); len(vs) != 2 || vs[0].Seq != 2 {
		t.Fatalf("log %+v", vs)
	}
	list, _ := s.Datasets()
	if ds, _ := list.Collect(); len(ds) != 1 || ds[0].Versions != 2 || ds[0].LatestVersionID != v2 {
		t.Fatalf("datasets %+v", ds)
	}
	files, _ := s.DatasetFiles("people@v1")
	fs, _ := files.Collect()
	if len(fs) != 2 || fs[1].Path != "train.csv" || fs[1].Rows != 3 || fs[1].Format != "csv" {
		t.Fatalf("files %+v", fs)
	}
	must(t, s.TagDataset("people@v1", "gold"))
	must(t, s.SetDatasetRef("people", "prod"))
	if err := s.TagDataset("people@v2", "gold"); !errors.Is(err, ErrExists) {
		t.Fatalf("moved tag: %v", err)
	}
	refs, _ := s.DatasetRefs("people")
	rs, _ := refs.Collect()
	if len(rs) != 2 || rs[0].Name != "gold" || rs[0].IsTag != 1 || rs[1].VersionID != v2 {
		t.Fatalf("refs %+v", rs)
	}
	must(t, s.UntagDataset("people", "gold"))
	must(t, s.DeleteDatasetRef("people", "prod"))
	diff, err := s.DiffDatasets("people@v1", "people@v2")
	must(t, err)
	var changes []string
	for e, err := range diff.All() {
		must(t, err)
		changes = append(changes, e.Path+":"+DatasetChangeName(DatasetChange(e.Change)))
	}
	if strings.Join(changes, ",") != "new.txt:added,sub/notes.txt:modified" {
		t.Fatalf("diff %v", changes)
	}
	r, err := s.OpenDatasetFile("people@v1", "train.csv")
	must(t, err)
	r.Seek(3, io.SeekStart)
	b, _ := io.ReadAll(r)
	r.Close()
	if string(b) != "age\n1,30\n2,40\n3,200\n" || r.Size() != 23 {
		t.Fatalf("reader %q %d", b, r.Size())
	}
	work := filepath.Join(t.TempDir(), "work")
	co, err := s.CheckoutDataset("people@v1", work, false)
	if err != nil || co.FilesWritten != 2 {
		t.Fatalf("checkout %+v %v", co, err)
	}
	os.WriteFile(filepath.Join(work, "train.csv"), []byte("local edit\n"), 0o644)
	counts, entries, err := s.DatasetStatus(work, "", &StatusOptions{Unchanged: true, NoCache: true, NoUpdate: true,
		Ignore: []string{"*.bak"}})
	if err != nil || counts.Modified != 1 || counts.Unchanged != 1 || len(entries) != 2 || counts.VersionID != v1 {
		t.Fatalf("status %+v %+v %v", counts, entries, err)
	}
	if _, err := s.CheckoutDataset("people@v2", work, false); !errors.Is(err, ErrConflict) {
		t.Fatalf("dirty checkout: %v", err)
	}
	if co, err := s.CheckoutDataset("people@v2", work, true); err != nil || co.FilesWritten == 0 {
		t.Fatalf("forced %+v %v", co, err)
	}
	remote := openTemp(t, nil)
	pushed, err := s.PushDataset(remote, "people@v1")
	if err != nil || pushed.Created != 1 || pushed.VersionID != v1 {
		t.Fatalf("push %+v %v", pushed, err)
	}
	third := openTemp(t, nil)
	pulled, err := third.PullDataset(remote, "people")
	if err != nil || pulled.Created != 1 || pulled.Seq != 1 {
		t.Fatalf("pull %+v %v", pulled, err)
	}
}

func TestDeleteDataset(t *testing.T) {
	s := openTemp(t, nil)
	if _, _, err := s.CommitDataset("gone", writeTree(t), nil); err != nil {
		t.Fatal(err)
	}
	must(t, s.DeleteDataset("gone"))
	if _, err := s.ResolveDataset("gone"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("resolve after delete: %v", err)
	}
	if err := s.DeleteDataset("gone"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("delete twice: %v", err)
	}
	if st, err := s.GC(&GCOptions{Grace: NoGrace}); err != nil || st.ObjectsRemoved == 0 {
		t.Fatalf("GC after delete %+v %v", st, err)
	}
}

const expectations = `{"expectations":[{"type":"not_null","column":"id"},{"type":"between","column":"age","min":0,"max":130}]}`

func TestTables(t *testing.T) {
	tree := writeTree(t)
	csv := filepath.Join(tree, "train.csv")
	p, err := ProfileFile(csv, nil)
	if err != nil || p.Rows != 3 || !json.Valid(p.Schema) || !json.Valid(p.Stats) {
		t.Fatalf("profile %+v %v", p, err)
	}
	semi := filepath.Join(tree, "semi.txt")
	os.WriteFile(semi, []byte("1;2\n3;4\n"), 0o644)
	if p, err := ProfileFile(semi, &TableOptions{Format: DatasetTableCsv, Delimiter: ';', NoHeader: true,
		Quote: '\'', MaxFieldBytes: 1 << 20}); err != nil || p.Rows != 2 {
		t.Fatalf("profile options %+v %v", p, err)
	}
	rep, err := ValidateFile(csv, expectations, "", nil)
	if err != nil || rep.Success || !json.Valid(rep.Report) {
		t.Fatalf("validate %+v %v", rep, err)
	}
	must(t, CheckExpectations(expectations, ""))
	if err := CheckExpectations("{nope", ""); !errors.Is(err, ErrParse) {
		t.Fatalf("bad expectations: %v", err)
	}
	s := openTemp(t, nil)
	if _, _, err := s.CommitDataset("t", csv, nil); err != nil {
		t.Fatal(err)
	}
	if p, err := s.DatasetProfile("t", "", nil); err != nil || p.Rows != 3 {
		t.Fatalf("stored profile %+v %v", p, err)
	}
	if p, err := s.DatasetProfile("t", "", &TableOptions{Format: DatasetTableCsv}); err != nil || p.Rows != 3 {
		t.Fatalf("fresh profile %+v %v", p, err)
	}
	if r, err := s.ValidateDataset("t", "", expectations, "", nil); err != nil || r.Success {
		t.Fatalf("validate version %+v %v", r, err)
	}
}
