// The store handle: Open, Close (and cleanup on collection), info, verify and gc.

package mlops

/*
#include <stdlib.h>
#include <mlops/mlops.h>
*/
import "C"

import (
	"encoding/json"
	"runtime"
	"time"
	"unsafe"
)

// Options of Open. The zero value (or a nil *Options) gives the library's defaults.
type Options struct {
	Backend          string        // "fs", "memory", "sqlite" or a registered name; "" picks by path
	BackendInstance  *Backend      // a ready backend the store takes over on success (NewBackend, NewGoBackend)
	Actor            string        // name in the audit log; "" means $MLOPS_ACTOR, then $USER
	ReadOnly         bool          // refuse every write with ErrReadOnly
	MustExist        bool          // fail with ErrNotFound instead of creating a store
	CompressionLevel int           // zstd level 1..19; 0 means the default
	Sync             SyncMode      // SyncNormal, SyncFull or SyncOff
	BusyTimeout      time.Duration // how long to wait for another writer; 0 means the default
}

// Store is an open store. A Store is used by one goroutine at a time; open one per goroutine for parallel work.
// Close releases it; a Store that becomes unreachable is closed by the garbage collector.
type Store struct {
	c       *C.mlops_store
	cleanup runtime.Cleanup
}

func version() int {
	return int(mlops_version_number())
}

// Version returns the version string of the loaded C library.
func Version() string {
	return C.GoString(mlops_version_string())
}

// VersionNumberRuntime returns MLOPS_VERSION_NUMBER of the loaded C library.
func VersionNumberRuntime() int {
	return version()
}

// checkVersion refuses a library of another major.minor version than the headers the bindings were built from.
func checkVersion() error {
	if v := version(); v/100 != VersionNumber/100 {
		return &Error{Code: CodeEVERSION, Message: "libmlops " + Version() + " is loaded; the Go bindings were " +
			"generated for " + VersionString}
	}
	return nil
}

// Open opens (or creates) the store at path: a directory, a single file with Backend "sqlite", or ":memory:".
func Open(path string, opts *Options) (*Store, error) {
	if err := checkVersion(); err != nil {
		return nil, err
	}
	var copts C.mlops_store_options
	if err := mlops_store_options_init(&copts, StoreOptionsVersion); err != nil {
		return nil, err
	}
	var backendInstance *Backend
	if opts != nil {
		if opts.Backend != "" {
			copts.backend = C.CString(opts.Backend)
			defer C.free(unsafe.Pointer(copts.backend))
		}
		if opts.Actor != "" {
			copts.actor = C.CString(opts.Actor)
			defer C.free(unsafe.Pointer(copts.actor))
		}
		if opts.ReadOnly {
			copts.flags |= StoreReadonly
		}
		if opts.MustExist {
			copts.flags |= StoreMustExist
		}
		copts.compression_level = C.int(opts.CompressionLevel)
		copts.sync = C.int(opts.Sync)
		copts.busy_timeout_ms = C.int(opts.BusyTimeout / time.Millisecond)
		if opts.BackendInstance != nil {
			if opts.BackendInstance.c == nil {
				return nil, errClosed("the backend instance")
			}
			backendInstance = opts.BackendInstance
			copts.backend_instance = backendInstance.c
		}
	}
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	var c *C.mlops_store
	if err := mlops_store_open(&c, cpath, &copts); err != nil {
		return nil, err
	}
	s := &Store{c: c}
	if backendInstance != nil {
		backendInstance.release()
	}
	s.cleanup = runtime.AddCleanup(s, func(c *C.mlops_store) { mlops_store_free(c) }, s.c)
	return s, nil
}

// Close closes the store. Readers, writers and iterators made from it stay usable until closed. Closing twice is
// a no-op.
func (s *Store) Close() error {
	if s.c == nil {
		return nil
	}
	s.cleanup.Stop()
	mlops_store_free(s.c)
	s.c = nil
	return nil
}

func (s *Store) handle() (*C.mlops_store, error) {
	if s == nil || s.c == nil {
		return nil, errClosed("the store")
	}
	return s.c, nil
}

// Path returns the path the store was opened with ("" after Close).
func (s *Store) Path() string {
	if s.c == nil {
		return ""
	}
	p := C.GoString(mlops_store_path(s.c))
	runtime.KeepAlive(s)
	return p
}

// Info returns counts and sizes of the store.
func (s *Store) Info() (StoreInfo, error) {
	c, err := s.handle()
	if err != nil {
		return StoreInfo{}, err
	}
	out := C.mlops_store_info{version: StoreInfoVersion}
	err = mlops_store_info_get(&out, c)
	runtime.KeepAlive(s)
	if err != nil {
		return StoreInfo{}, err
	}
	return recordFrom_mlops_store_info(&out), nil
}

// VerifyProblem is one entry of the verify report.
type VerifyProblem struct {
	Kind    string `json:"kind"` // "corrupt", "missing" or "metadata"
	Object  string `json:"object"`
	Message string `json:"message"`
}

// VerifyResult is what Verify found: the counters and the parsed report.
type VerifyResult struct {
	VerifyStats
	Problems []VerifyProblem
}

// OK reports whether verify found no problem.
func (r VerifyResult) OK() bool {
	return r.ObjectsCorrupt == 0 && r.ObjectsMissing == 0 && r.MetadataErrors == 0 && len(r.Problems) == 0
}

// Verify checks the whole store without modifying it. Problems are in the result; an error means the check could
// not run.
func (s *Store) Verify() (VerifyResult, error) {
	c, err := s.handle()
	if err != nil {
		return VerifyResult{}, err
	}
	out := C.mlops_verify_stats{version: VerifyStatsVersion}
	var report *C.char
	err = mlops_store_verify(&out, &report, c)
	runtime.KeepAlive(s)
	if err != nil {
		return VerifyResult{}, err
	}
	r := VerifyResult{VerifyStats: recordFrom_mlops_verify_stats(&out)}
	if report != nil {
		text := C.GoString(report)
		mlops_free(unsafe.Pointer(report))
		if err := json.Unmarshal([]byte(text), &r.Problems); err != nil {
			return r, &Error{Code: CodeEPARSE, Message: "verify report is not valid JSON: " + err.Error()}
		}
	}
	return r, nil
}

// GCOptions of GC; nil means the defaults (no dry run, one hour of grace).
type GCOptions struct {
	DryRun bool
	// Grace keeps unreferenced blobs younger than this; 0 means the default (one hour), a negative value (NoGrace)
	// keeps none.
	Grace time.Duration
}

// NoGrace as GCOptions.Grace lets GC remove unreferenced blobs however young they are.
const NoGrace time.Duration = -1

// GC removes blobs that no metadata references.
func (s *Store) GC(opts *GCOptions) (GcStats, error) {
	c, err := s.handle()
	if err != nil {
		return GcStats{}, err
	}
	var copts C.mlops_gc_options
	if err := mlops_gc_options_init(&copts, GcOptionsVersion); err != nil {
		return GcStats{}, err
	}
	if opts != nil {
		if opts.DryRun {
			copts.dry_run = 1
		}
		if opts.Grace < 0 {
			copts.grace_seconds = 0
		} else if opts.Grace > 0 {
			copts.grace_seconds = C.int64_t(opts.Grace / time.Second)
		}
	}
	out := C.mlops_gc_stats{version: GcStatsVersion}
	err = mlops_store_gc(&out, c, &copts)
	runtime.KeepAlive(s)
	if err != nil {
		return GcStats{}, err
	}
	return recordFrom_mlops_gc_stats(&out), nil
}
