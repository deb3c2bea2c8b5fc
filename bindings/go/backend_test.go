// Tests of blob backends: Go-implemented backends through the C vtable, registration, built-in instances.

package mlops

import (
	"errors"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// mapBackend keeps blobs in a map; failWrites makes writes fail with that error.
type mapBackend struct {
	mu         sync.Mutex
	blobs      map[string][]byte
	mtimes     map[string]int64
	failWrites error
	closed     atomic.Bool
}

func newMapBackend() *mapBackend {
	return &mapBackend{blobs: map[string][]byte{}, mtimes: map[string]int64{}}
}

func (m *mapBackend) Write(key string, data []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.failWrites != nil {
		return m.failWrites
	}
	if _, ok := m.blobs[key]; !ok {
		m.blobs[key] = append([]byte(nil), data...)
		m.mtimes[key] = time.Now().Unix()
	}
	return nil
}

func (m *mapBackend) Read(key string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.blobs[key]
	if !ok {
		return nil, &Error{Code: CodeENOTFOUND, Message: "no blob " + key}
	}
	return b, nil
}

func (m *mapBackend) Exists(key string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.blobs[key]
	return ok, nil
}

func (m *mapBackend) Remove(key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.blobs[key]; !ok {
		return ErrNotFound
	}
	delete(m.blobs, key)
	return nil
}

func (m *mapBackend) List(fn func(key string, size uint64, mtimeS int64) error) error {
	m.mu.Lock()
	keys := make([]string, 0, len(m.blobs))
	for k := range m.blobs {
		keys = append(keys, k)
	}
	m.mu.Unlock()
	for _, k := range keys {
		if err := fn(k, uint64(len(m.blobs[k])), m.mtimes[k]); err != nil {
			return err
		}
	}
	return nil
}

func (m *mapBackend) Flush() error { return nil }

func (m *mapBackend) Touch(key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.blobs[key]; !ok {
		return ErrNotFound
	}
	m.mtimes[key] = time.Now().Unix()
	return nil
}

func (m *mapBackend) Close() error {
	m.closed.Store(true)
	return nil
}

func TestGoBackend(t *testing.T) {
	mb := newMapBackend()
	be, err := NewGoBackend(mb)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Open(filepath.Join(t.TempDir(), "s"), &Options{BackendInstance: be})
	if err != nil {
		t.Fatal(err)
	}
	data := make([]byte, 300000)
	for i := range data {
		data[i] = byte(i * 7)
	}
	id, err := s.Put(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(mb.blobs) < 3 {
		t.Fatalf("expected chunks in the Go backend, got %d blobs", len(mb.blobs))
	}
	got, err := s.Get(id)
	if err != nil || string(got) != string(data) {
		t.Fatalf("Get through Go backend: %v", err)
	}
	keep, _ := s.Put([]byte("pinned"))
	s.Pin("k", keep)
	if v, err := s.Verify(); err != nil || !v.OK() {
		t.Fatalf("Verify %+v %v", v, err)
	}
	st, err := s.GC(&GCOptions{Grace: NoGrace})
	if err != nil || st.ObjectsRemoved < 1 {
		t.Fatalf("GC through Go backend %+v %v", st, err)
	}
	if ok, _ := s.Exists(id); ok {
		t.Fatal("GC did not remove through the Go backend")
	}
	mb.failWrites = errors.New("disk on fire")
	if _, err := s.Put([]byte("new")); !errors.Is(err, ErrIO) {
		t.Fatalf("failing backend: %v", err)
	}
	mb.failWrites = ErrNoSpace
	if _, err := s.Put([]byte("newer")); !errors.Is(err, ErrNoSpace) {
		t.Fatalf("failing backend: %v", err)
	}
	mb.failWrites = nil
	s.Close()
	if !mb.closed.Load() {
		t.Fatal("the library did not free the Go backend with the store")
	}
	be.Close() // taken over by the store: a no-op
}

func TestRegisterBackend(t *testing.T) {
	var locations []string
	err := RegisterBackend("gomap", func(location string, sync SyncMode) (BlobBackend, error) {
		locations = append(locations, location)
		return newMapBackend(), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	s, err := Open(filepath.Join(t.TempDir(), "s"), &Options{Backend: "gomap"})
	if err != nil {
		t.Fatal(err)
	}
	id, _ := s.Put([]byte("registered"))
	if got, _ := s.Get(id); string(got) != "registered" {
		t.Fatalf("Get %q", got)
	}
	s.Close()
	if len(locations) != 1 || locations[0] == "" {
		t.Fatalf("factory calls %v", locations)
	}
	RegisterBackend("gomap", func(string, SyncMode) (BlobBackend, error) { return nil, ErrBusy })
	if _, err := Open(filepath.Join(t.TempDir(), "t"), &Options{Backend: "gomap"}); !errors.Is(err, ErrBusy) {
		t.Fatalf("failing factory: %v", err)
	}
	if err := UnregisterBackend("gomap"); err != nil {
		t.Fatal(err)
	}
	if err := UnregisterBackend("gomap"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unregister twice: %v", err)
	}
	if err := RegisterBackend("fs", func(string, SyncMode) (BlobBackend, error) { return nil, nil }); !errors.Is(err, ErrExists) {
		t.Fatalf("replace builtin: %v", err)
	}
	if err := UnregisterBackend("memory"); !errors.Is(err, ErrInvalid) {
		t.Fatalf("unregister builtin: %v", err)
	}
}

func TestBuiltinBackendInstance(t *testing.T) {
	be, err := NewBackend("memory", "", SyncNormal)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Open(filepath.Join(t.TempDir(), "s"), &Options{BackendInstance: be})
	if err != nil {
		t.Fatal(err)
	}
	id, _ := s.Put([]byte("in memory"))
	if got, _ := s.Get(id); string(got) != "in memory" {
		t.Fatalf("Get %q", got)
	}
	s.Close()
	if _, err := Open(filepath.Join(t.TempDir(), "t"), &Options{BackendInstance: be}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("reusing a taken instance: %v", err)
	}
	fsb, err := NewBackend("fs", t.TempDir(), SyncOff)
	if err != nil {
		t.Fatal(err)
	}
	fsb.Close()
	if _, err := NewBackend("nope", "", SyncNormal); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown backend: %v", err)
	}
	if len(BuiltinBackends) != 3 {
		t.Fatal(BuiltinBackends)
	}
}

func TestForgottenStoreIsFreedByTheCollector(t *testing.T) {
	mb := newMapBackend()
	dir := t.TempDir()
	func() {
		be, err := NewGoBackend(mb)
		if err != nil {
			t.Fatal(err)
		}
		s, err := Open(filepath.Join(dir, "s"), &Options{BackendInstance: be})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Put([]byte("left open")); err != nil {
			t.Fatal(err)
		}
	}()
	for i := 0; i < 100 && !mb.closed.Load(); i++ {
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	if !mb.closed.Load() {
		t.Fatal("the store was not freed after it became unreachable")
	}
}
