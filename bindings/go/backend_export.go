// Go functions the C vtable of Go-implemented backends calls (see backend_glue.c). A file with //export may only
// declare in its preamble, so the C side lives in backend_glue.c.

package mlops

/*
#include <stdint.h>
#include <stdlib.h>
#include <mlops/mlops.h>
#include "backend_glue.h"
*/
import "C"

import (
	"errors"
	"io"
	"runtime/cgo"
	"unsafe"
)

func codeOf(err error) C.int {
	var e *Error
	if errors.As(err, &e) && e.Code < 0 {
		return C.int(e.Code)
	}
	return C.int(CodeEIO)
}

func implOf(h C.uintptr_t) BlobBackend {
	return cgo.Handle(h).Value().(BlobBackend)
}

//export mlopsgoBackendWrite
func mlopsgoBackendWrite(h C.uintptr_t, key *C.char, data unsafe.Pointer, size C.size_t) C.int {
	var buf []byte
	if size > 0 {
		buf = C.GoBytes(data, C.int(size))
	}
	if err := implOf(h).Write(C.GoString(key), buf); err != nil {
		return codeOf(err)
	}
	return 0
}

//export mlopsgoBackendRead
func mlopsgoBackendRead(h C.uintptr_t, outData *unsafe.Pointer, outSize *C.size_t, key *C.char) C.int {
	data, err := implOf(h).Read(C.GoString(key))
	if err != nil {
		return codeOf(err)
	}
	n := len(data)
	p, err := mlops_alloc(C.size_t(max(n, 1)))
	if err != nil {
		return codeOf(err)
	}
	if n > 0 {
		copy(unsafe.Slice((*byte)(p), n), data)
	}
	*outData = p
	*outSize = C.size_t(n)
	return 0
}

//export mlopsgoBackendExists
func mlopsgoBackendExists(h C.uintptr_t, outExists *C.int, key *C.char) C.int {
	ok, err := implOf(h).Exists(C.GoString(key))
	if err != nil {
		return codeOf(err)
	}
	*outExists = 0
	if ok {
		*outExists = 1
	}
	return 0
}

//export mlopsgoBackendRemove
func mlopsgoBackendRemove(h C.uintptr_t, key *C.char) C.int {
	if err := implOf(h).(Remover).Remove(C.GoString(key)); err != nil {
		return codeOf(err)
	}
	return 0
}

// stopListing carries a non-zero return of the library's list callback through the Go Lister.
type stopListing struct{ rc C.int }

func (s *stopListing) Error() string { return "listing stopped" }

//export mlopsgoBackendList
func mlopsgoBackendList(h C.uintptr_t, cb unsafe.Pointer, payload unsafe.Pointer) C.int {
	err := implOf(h).(Lister).List(func(key string, size uint64, mtimeS int64) error {
		ck := C.CString(key)
		defer C.free(unsafe.Pointer(ck))
		if rc := C.mlopsgo_call_list_cb(cb, ck, C.uint64_t(size), C.int64_t(mtimeS), payload); rc != 0 {
			return &stopListing{rc}
		}
		return nil
	})
	var stop *stopListing
	if errors.As(err, &stop) {
		return stop.rc
	}
	if err != nil {
		return codeOf(err)
	}
	return 0
}

//export mlopsgoBackendFlush
func mlopsgoBackendFlush(h C.uintptr_t) C.int {
	if err := implOf(h).(Flusher).Flush(); err != nil {
		return codeOf(err)
	}
	return 0
}

//export mlopsgoBackendTouch
func mlopsgoBackendTouch(h C.uintptr_t, key *C.char) C.int {
	if err := implOf(h).(Toucher).Touch(C.GoString(key)); err != nil {
		return codeOf(err)
	}
	return 0
}

//export mlopsgoBackendFree
func mlopsgoBackendFree(h C.uintptr_t) {
	impl := implOf(h)
	cgo.Handle(h).Delete()
	if c, ok := impl.(io.Closer); ok {
		c.Close()
	}
}

//export mlopsgoFactory
func mlopsgoFactory(out **C.mlops_backend, location *C.char, sync C.int, h C.uintptr_t) C.int {
	factory := cgo.Handle(h).Value().(Factory)
	loc := ""
	if location != nil {
		loc = C.GoString(location)
	}
	impl, err := factory(loc, SyncMode(sync))
	if err != nil {
		return codeOf(err)
	}
	c, err := goBackendVtable(impl)
	if err != nil {
		return codeOf(err)
	}
	*out = c
	return 0
}
