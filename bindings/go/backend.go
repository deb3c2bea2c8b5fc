// Blob backends: instances of built-in or registered backends, registration by name, and backends implemented
// in Go (BlobBackend) that the library calls through a C vtable and a cgo.Handle.

package mlops

/*
#include <stdlib.h>
#include <mlops/mlops.h>
#include "backend_glue.h"
*/
import "C"

import (
	"runtime"
	"runtime/cgo"
	"sync"
	"unsafe"
)

// BuiltinBackends are the names of the backends the library always has.
var BuiltinBackends = []string{"fs", "memory", "sqlite"}

// Backend is a backend instance not yet given to a store: pass it as Options.BackendInstance (the store takes it
// over on success) or Close it.
type Backend struct {
	c       *C.mlops_backend
	cleanup runtime.Cleanup
}

func newBackendHandle(c *C.mlops_backend) *Backend {
	b := &Backend{c: c}
	b.cleanup = runtime.AddCleanup(b, func(c *C.mlops_backend) { mlops_backend_free(c) }, c)
	return b
}

// release forgets the instance after a store took it over.
func (b *Backend) release() {
	b.cleanup.Stop()
	b.c = nil
}

// Close frees the instance (a no-op once a store took it over).
func (b *Backend) Close() error {
	if b.c != nil {
		b.cleanup.Stop()
		mlops_backend_free(b.c)
		b.c = nil
	}
	return nil
}

// NewBackend creates an instance of a built-in or registered backend. location is the blob directory or database
// file ("" for none, as for "memory").
func NewBackend(name, location string, sync SyncMode) (*Backend, error) {
	cname := cstr(name)
	defer free(cname)
	var cloc *C.char
	if location != "" {
		cloc = cstr(location)
		defer free(cloc)
	}
	var out *C.mlops_backend
	if err := mlops_backend_new(&out, cname, cloc, C.int(sync)); err != nil {
		return nil, err
	}
	return newBackendHandle(out), nil
}

// BlobBackend is a blob store written in Go. Keys are object ids (32 hex characters). Read returns an error
// matching ErrNotFound for an absent key. Returning an *Error passes its code to the library; any other error
// becomes ErrIO. A BlobBackend may also implement Remover, Lister, Flusher, Toucher and io.Closer (called when the
// library frees it).
type BlobBackend interface {
	Write(key string, data []byte) error
	Read(key string) ([]byte, error)
	Exists(key string) (bool, error)
}

// Remover removes a blob (ErrNotFound when absent); without it the store never collects garbage.
type Remover interface {
	Remove(key string) error
}

// Lister calls fn for every blob; a non-nil error from fn stops the listing and is returned.
type Lister interface {
	List(fn func(key string, size uint64, mtimeS int64) error) error
}

// Flusher makes every write so far durable.
type Flusher interface {
	Flush() error
}

// Toucher marks a blob as just used (ErrNotFound when absent).
type Toucher interface {
	Touch(key string) error
}

// NewGoBackend wraps a Go implementation as a backend instance for Options.BackendInstance.
func NewGoBackend(impl BlobBackend) (*Backend, error) {
	c, err := goBackendVtable(impl)
	if err != nil {
		return nil, err
	}
	return newBackendHandle(c), nil
}

func goBackendVtable(impl BlobBackend) (*C.mlops_backend, error) {
	optional := 0
	if _, ok := impl.(Remover); ok {
		optional |= C.MLOPSGO_HAS_REMOVE
	}
	if _, ok := impl.(Lister); ok {
		optional |= C.MLOPSGO_HAS_LIST
	}
	if _, ok := impl.(Flusher); ok {
		optional |= C.MLOPSGO_HAS_FLUSH
	}
	if _, ok := impl.(Toucher); ok {
		optional |= C.MLOPSGO_HAS_TOUCH
	}
	h := cgo.NewHandle(impl)
	c := C.mlopsgo_backend_new(C.uintptr_t(h), C.int(optional))
	if c == nil {
		h.Delete()
		return nil, &Error{Code: CodeENOMEM, Message: "cannot allocate a backend vtable"}
	}
	return c, nil
}

// Factory makes a backend for a store being opened: location is the path the store derives for blobs ("" for
// ":memory:"), sync its SyncMode.
type Factory func(location string, sync SyncMode) (BlobBackend, error)

var (
	factoriesMu sync.Mutex
	// The C payload of each registered name: C memory holding the cgo.Handle of its Factory.
	factories = map[string]*C.uintptr_t{}
)

// RegisterBackend registers factory under name so that Options.Backend can select it. Registering a name again
// replaces the factory; the built-in names return ErrExists.
func RegisterBackend(name string, factory Factory) error {
	cname := cstr(name)
	defer free(cname)
	payload := (*C.uintptr_t)(C.malloc(C.size_t(unsafe.Sizeof(C.uintptr_t(0)))))
	if payload == nil {
		return &Error{Code: CodeENOMEM, Message: "cannot allocate a factory payload"}
	}
	h := cgo.NewHandle(factory)
	*payload = C.uintptr_t(h)
	factoriesMu.Lock()
	defer factoriesMu.Unlock()
	if err := mlops_backend_register(cname, C.mlopsgo_factory_ptr(), unsafe.Pointer(payload)); err != nil {
		h.Delete()
		C.free(unsafe.Pointer(payload))
		return err
	}
	// The replaced factory can no longer be called once register returned.
	if old, ok := factories[name]; ok {
		cgo.Handle(*old).Delete()
		C.free(unsafe.Pointer(old))
	}
	factories[name] = payload
	return nil
}

// UnregisterBackend removes a registered backend. Errors: ErrNotFound, ErrInvalid for a built-in name.
func UnregisterBackend(name string) error {
	cname := cstr(name)
	defer free(cname)
	factoriesMu.Lock()
	defer factoriesMu.Unlock()
	if err := mlops_backend_unregister(cname); err != nil {
		return err
	}
	if old, ok := factories[name]; ok {
		cgo.Handle(*old).Delete()
		C.free(unsafe.Pointer(old))
		delete(factories, name)
	}
	return nil
}
