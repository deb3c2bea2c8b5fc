// Tests of the store handle, objects, streaming reader/writer, info/verify/gc, lineage, audit and errors.

package mlops

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func openTemp(t *testing.T, opts *Options) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "store"), opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestVersionAndErrors(t *testing.T) {
	if Version() != VersionString || VersionNumberRuntime() != VersionNumber {
		t.Fatalf("runtime %s/%d, generated %s/%d", Version(), VersionNumberRuntime(), VersionString, VersionNumber)
	}
	if ErrorName(CodeENOTFOUND) != "MLOPS_ENOTFOUND" {
		t.Fatalf("ErrorName: %q", ErrorName(CodeENOTFOUND))
	}
	s := openTemp(t, nil)
	err := s.Unpin("missing-pin")
	if !errors.Is(err, ErrNotFound) || errors.Is(err, ErrExists) {
		t.Fatalf("Unpin error %v does not match ErrNotFound only", err)
	}
	var e *Error
	if !errors.As(err, &e) || e.Code != CodeENOTFOUND || !strings.Contains(e.Message, "missing-pin") {
		t.Fatalf("error %#v lacks code or message", err)
	}
	runtime.LockOSThread()
	_ = s.Unpin("again")
	ClearError()
	if code, msg := LastError(); code != CodeOK || msg != "" {
		t.Fatalf("after ClearError: %d %q", code, msg)
	}
	runtime.UnlockOSThread()
}

func TestEveryErrorCodeHasASentinel(t *testing.T) {
	api := loadAPI(t)
	for _, e := range api.Enums {
		if e.Name != "mlops_error_code" {
			continue
		}
		for _, v := range e.Values {
			if v.Name == "MLOPS_OK" || v.Name == "MLOPS_ITEROVER" {
				continue
			}
			s := Sentinel(ErrorCode(v.Value))
			if s == nil || ErrorName(s.Code) != v.Name {
				t.Errorf("no sentinel for %s", v.Name)
			}
		}
	}
}

func TestOpenOptions(t *testing.T) {
	dir := t.TempDir()
	if _, err := Open(filepath.Join(dir, "missing"), &Options{MustExist: true}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("MustExist: %v", err)
	}
	p := filepath.Join(dir, "s")
	s, err := Open(p, &Options{Actor: "gopher", Sync: SyncFull, CompressionLevel: 9})
	if err != nil {
		t.Fatal(err)
	}
	if s.Path() != p {
		t.Fatalf("Path %q", s.Path())
	}
	id, err := s.Put([]byte("hello"))
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	s.Close()
	if _, err := s.Put([]byte("x")); !errors.Is(err, ErrInvalid) {
		t.Fatalf("closed store: %v", err)
	}
	ro, err := Open(p, &Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if got, err := ro.Get(id); err != nil || string(got) != "hello" {
		t.Fatalf("Get %q %v", got, err)
	}
	if _, err := ro.Put([]byte("y")); !errors.Is(err, ErrReadOnly) {
		t.Fatalf("read-only put: %v", err)
	}
	mem, err := Open(":memory:", &Options{Backend: "memory"})
	if err != nil {
		t.Fatal(err)
	}
	mem.Close()
}

func TestObjects(t *testing.T) {
	s := openTemp(t, nil)
	data := bytes.Repeat([]byte("0123456789"), 50000)
	id, err := s.Put(data)
	if err != nil || len(id) != 32 {
		t.Fatalf("Put %q %v", id, err)
	}
	if got, _ := s.Get(id); !bytes.Equal(got, data) {
		t.Fatal("Get differs")
	}
	if ok, _ := s.Exists(id); !ok {
		t.Fatal("Exists false")
	}
	if n, _ := s.Size(id); n != uint64(len(data)) {
		t.Fatalf("Size %d", n)
	}
	empty, err := s.Put(nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s.Get(empty); err != nil || len(got) != 0 {
		t.Fatalf("empty object: %v %v", got, err)
	}
	if _, err := s.Get(strings.Repeat("0", 32)); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing: %v", err)
	}
	if _, err := s.Exists("nothex"); !errors.Is(err, ErrInvalid) {
		t.Fatalf("bad id: %v", err)
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "in")
	os.WriteFile(src, data[:12345], 0o644)
	fid, err := s.PutFile(src)
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(dir, "out")
	if err := s.GetFile(fid, dst); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(dst); !bytes.Equal(got, data[:12345]) {
		t.Fatal("GetFile differs")
	}
	if err := s.Pin("p", id); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Pinned("p"); got != id {
		t.Fatalf("Pinned %q", got)
	}
	if err := s.Unpin("p"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Pinned("p"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("after Unpin: %v", err)
	}
}

func TestReaderWriter(t *testing.T) {
	s := openTemp(t, nil)
	w, err := s.OpenWriter()
	if err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	for i := 0; i < 20000; i++ {
		line := []byte("line " + strings.Repeat("x", i%50) + "\n")
		want.Write(line)
		if _, err := w.Write(line); err != nil {
			t.Fatal(err)
		}
	}
	id, err := w.Commit()
	if err != nil || w.ID() != id {
		t.Fatalf("Commit %q %v", id, err)
	}
	w.Close()
	if _, err := w.Write([]byte("late")); !errors.Is(err, ErrInvalid) {
		t.Fatalf("write after close: %v", err)
	}
	r, err := s.OpenReader(id)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.Size() != int64(want.Len()) {
		t.Fatalf("Size %d want %d", r.Size(), want.Len())
	}
	got, err := io.ReadAll(r)
	if err != nil || !bytes.Equal(got, want.Bytes()) {
		t.Fatalf("ReadAll: %v", err)
	}
	if pos, err := r.Seek(-5, io.SeekEnd); err != nil || pos != int64(want.Len()-5) {
		t.Fatalf("Seek end: %d %v", pos, err)
	}
	tail := make([]byte, 10)
	n, _ := io.ReadFull(r, tail)
	if n != 5 || !bytes.Equal(tail[:5], want.Bytes()[want.Len()-5:]) {
		t.Fatalf("tail %q", tail[:n])
	}
	if _, err := r.Seek(100, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Seek(10, io.SeekCurrent); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 4)
	io.ReadFull(r, b)
	if !bytes.Equal(b, want.Bytes()[110:114]) {
		t.Fatalf("after seeks %q", b)
	}
	if _, err := r.Seek(r.Size()+1, io.SeekStart); !errors.Is(err, ErrInvalid) {
		t.Fatalf("seek past end: %v", err)
	}
	abandoned, _ := s.OpenWriter()
	abandoned.Write([]byte("never committed"))
	abandoned.Close()
}

func TestInfoVerifyGC(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "s")
	s, err := Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	keep, _ := s.Put([]byte("keep"))
	drop, _ := s.Put([]byte("drop"))
	s.Pin("k", keep)
	info, err := s.Info()
	if err != nil || info.ObjectCount < 2 || info.PinCount != 1 || info.FormatVersion < 1 {
		t.Fatalf("Info %+v %v", info, err)
	}
	v, err := s.Verify()
	if err != nil || !v.OK() || v.ObjectsChecked < 2 {
		t.Fatalf("Verify %+v %v", v, err)
	}
	dry, err := s.GC(&GCOptions{DryRun: true, Grace: NoGrace})
	if err != nil || dry.ObjectsRemoved < 1 {
		t.Fatalf("dry GC %+v %v", dry, err)
	}
	if ok, _ := s.Exists(drop); !ok {
		t.Fatal("dry run removed")
	}
	if st, err := s.GC(&GCOptions{Grace: NoGrace}); err != nil || st.ObjectsRemoved != dry.ObjectsRemoved {
		t.Fatalf("GC %+v %v", st, err)
	}
	if ok, _ := s.Exists(drop); ok {
		t.Fatal("GC kept an unreferenced object")
	}
	young, _ := s.Put([]byte("young"))
	if st, _ := s.GC(nil); st.ObjectsYoung < 1 {
		t.Fatalf("default grace: %+v", st)
	}
	if ok, _ := s.Exists(young); !ok {
		t.Fatal("grace did not keep a young object")
	}
	s.Close()
	filepath.Walk(filepath.Join(dir, "objects"), func(p string, fi os.FileInfo, err error) error {
		if err == nil && fi.Mode().IsRegular() {
			b, _ := os.ReadFile(p)
			b[len(b)-1] ^= 0xff
			os.WriteFile(p, b, 0o644)
		}
		return nil
	})
	s, _ = Open(dir, nil)
	defer s.Close()
	v, err = s.Verify()
	if err != nil || v.OK() || v.ObjectsCorrupt == 0 || len(v.Problems) == 0 || v.Problems[0].Kind != "corrupt" {
		t.Fatalf("Verify after damage %+v %v", v, err)
	}
	if _, err := s.Get(keep); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Get corrupt: %v", err)
	}
}

func TestLineageAndAudit(t *testing.T) {
	s := openTemp(t, &Options{Actor: "gopher"})
	s.AddLineage(KindDatasetVersion, "d1", KindRun, "r1", "input")
	s.AddLineage(KindRun, "r1", KindModelVersion, "m1", "produced")
	it, err := s.Lineage(KindDatasetVersion, "d1", LineageDownstream, 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for e, err := range it.All() {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, e.ToID)
		if e.Depth < 1 || e.CreatedMs == 0 {
			t.Fatalf("edge %+v", e)
		}
	}
	if strings.Join(got, ",") != "r1,m1" {
		t.Fatalf("downstream %v", got)
	}
	up, _ := s.Lineage(KindModelVersion, "m1", LineageUpstream, 1)
	n := 0
	for up.Next() {
		if up.Edge().FromID != "r1" {
			t.Fatalf("upstream %+v", up.Edge())
		}
		n++
	}
	if up.Err() != nil || n != 1 {
		t.Fatalf("upstream count %d err %v", n, up.Err())
	}
	id, _ := s.Put([]byte("x"))
	s.Pin("name", id)
	ai, err := s.Audit(0)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for ai.Next() {
		e := ai.Entry()
		if e.Action == "object.pin" && e.Actor == "gopher" && e.ObjectID == id {
			found = true
		}
	}
	ai.Close()
	if !found || ai.Err() != nil {
		t.Fatalf("audit row missing (%v)", ai.Err())
	}
}
