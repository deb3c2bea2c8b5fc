// A generic iterator over the library's _next functions, and helpers that hand Go strings to C.

package mlops

/*
#include <stdlib.h>
*/
import "C"

import (
	"iter"
	"runtime"
	"unsafe"
)

// Iter iterates values the library hands out one by one:
//
//	for it.Next() { use(it.Value()) }
//	if err := it.Err(); err != nil { ... }
//
// or `for v, err := range it.All()`. The iterator is closed at the end, by Close, or when collected.
type Iter[T any] struct {
	next    func() (T, error)
	release func()
	cleanup runtime.Cleanup
	cur     T
	err     error
	done    bool
}

func newIter[T any](next func() (T, error), release func()) *Iter[T] {
	it := &Iter[T]{next: next, release: release}
	it.cleanup = runtime.AddCleanup(it, func(f func()) { f() }, release)
	return it
}

// Next advances to the next value; false at the end or on an error (see Err).
func (it *Iter[T]) Next() bool {
	if it.done {
		return false
	}
	v, err := it.next()
	runtime.KeepAlive(it)
	if err != nil {
		if !isIterOver(err) {
			it.err = err
		}
		it.Close()
		return false
	}
	it.cur = v
	return true
}

// Value returns the current value.
func (it *Iter[T]) Value() T { return it.cur }

// Err returns the error that ended the iteration, if any.
func (it *Iter[T]) Err() error { return it.err }

// Close releases the iterator (done automatically at the end).
func (it *Iter[T]) Close() error {
	if !it.done {
		it.done = true
		it.cleanup.Stop()
		it.release()
	}
	return nil
}

// All yields every remaining value, then a final error if the iteration failed; it closes the iterator.
func (it *Iter[T]) All() iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		defer it.Close()
		for it.Next() {
			if !yield(it.cur, nil) {
				return
			}
		}
		if it.err != nil {
			var zero T
			yield(zero, it.err)
		}
	}
}

// Collect returns every remaining value.
func (it *Iter[T]) Collect() ([]T, error) {
	var out []T
	for v, err := range it.All() {
		if err != nil {
			return out, err
		}
		out = append(out, v)
	}
	return out, nil
}

// cAlloc collects C memory made for one call and frees it all at once.
type cAlloc struct {
	ptrs []unsafe.Pointer
}

func (a *cAlloc) str(s string) *C.char {
	p := C.CString(s)
	a.ptrs = append(a.ptrs, unsafe.Pointer(p))
	return p
}

// optStr gives NULL for "".
func (a *cAlloc) optStr(s string) *C.char {
	if s == "" {
		return nil
	}
	return a.str(s)
}

// strs gives a C array of C strings (NULL for an empty slice) and its length.
func (a *cAlloc) strs(items []string) (**C.char, C.size_t) {
	if len(items) == 0 {
		return nil, 0
	}
	arr := (**C.char)(C.malloc(C.size_t(len(items)) * C.size_t(unsafe.Sizeof((*C.char)(nil)))))
	a.ptrs = append(a.ptrs, unsafe.Pointer(arr))
	s := unsafe.Slice(arr, len(items))
	for i, item := range items {
		s[i] = a.str(item)
	}
	return arr, C.size_t(len(items))
}

func (a *cAlloc) free() {
	for _, p := range a.ptrs {
		C.free(p)
	}
	a.ptrs = nil
}

func goStringFree(p *C.char) string {
	s := C.GoString(p)
	mlops_free(unsafe.Pointer(p))
	return s
}
