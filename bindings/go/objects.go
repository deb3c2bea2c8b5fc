// Content-addressed objects: whole-object calls, pins, a streaming reader (io.ReadSeekCloser) and a streaming
// writer (io.WriteCloser with Commit).

package mlops

/*
#include <stdlib.h>
#include <mlops/mlops.h>
*/
import "C"

import (
	"io"
	"runtime"
	"unsafe"
)

func cstr(s string) *C.char {
	return C.CString(s)
}

func free(p *C.char) {
	C.free(unsafe.Pointer(p))
}

func bytesPtr(b []byte) unsafe.Pointer {
	if len(b) == 0 {
		return nil
	}
	return unsafe.Pointer(&b[0])
}

func oidString(buf *[OidBufsize]C.char) string {
	return C.GoString(&buf[0])
}

// Put stores data and returns its object id.
func (s *Store) Put(data []byte) (string, error) {
	c, err := s.handle()
	if err != nil {
		return "", err
	}
	var out [OidBufsize]C.char
	err = mlops_object_put(&out[0], c, bytesPtr(data), C.size_t(len(data)))
	runtime.KeepAlive(s)
	runtime.KeepAlive(data)
	if err != nil {
		return "", err
	}
	return oidString(&out), nil
}

// PutFile stores the content of the file at path (streamed, any size) and returns its object id.
func (s *Store) PutFile(path string) (string, error) {
	c, err := s.handle()
	if err != nil {
		return "", err
	}
	cpath := cstr(path)
	defer free(cpath)
	var out [OidBufsize]C.char
	err = mlops_object_put_file(&out[0], c, cpath)
	runtime.KeepAlive(s)
	if err != nil {
		return "", err
	}
	return oidString(&out), nil
}

// Get reads a whole object. Errors: ErrNotFound, ErrCorrupt (no bytes are returned), ErrInvalid.
func (s *Store) Get(id string) ([]byte, error) {
	c, err := s.handle()
	if err != nil {
		return nil, err
	}
	cid := cstr(id)
	defer free(cid)
	var data unsafe.Pointer
	var size C.size_t
	err = mlops_object_get(&data, &size, c, cid)
	runtime.KeepAlive(s)
	if err != nil {
		return nil, err
	}
	out := C.GoBytes(data, C.int(size))
	mlops_free(data)
	return out, nil
}

// GetFile writes an object to the file at path atomically.
func (s *Store) GetFile(id, path string) error {
	c, err := s.handle()
	if err != nil {
		return err
	}
	cid, cpath := cstr(id), cstr(path)
	defer free(cid)
	defer free(cpath)
	err = mlops_object_get_file(c, cid, cpath)
	runtime.KeepAlive(s)
	return err
}

// Exists reports whether the object and all its chunks are stored.
func (s *Store) Exists(id string) (bool, error) {
	c, err := s.handle()
	if err != nil {
		return false, err
	}
	cid := cstr(id)
	defer free(cid)
	var out C.int
	err = mlops_object_exists(&out, c, cid)
	runtime.KeepAlive(s)
	return out != 0, err
}

// Size returns the uncompressed size of an object.
func (s *Store) Size(id string) (uint64, error) {
	c, err := s.handle()
	if err != nil {
		return 0, err
	}
	cid := cstr(id)
	defer free(cid)
	var out C.uint64_t
	err = mlops_object_size(&out, c, cid)
	runtime.KeepAlive(s)
	return uint64(out), err
}

// Pin pins an object under name so that GC keeps it (replacing a pin of that name).
func (s *Store) Pin(name, id string) error {
	c, err := s.handle()
	if err != nil {
		return err
	}
	cname, cid := cstr(name), cstr(id)
	defer free(cname)
	defer free(cid)
	err = mlops_object_pin(c, cname, cid)
	runtime.KeepAlive(s)
	return err
}

// Unpin removes a pin. Errors: ErrNotFound.
func (s *Store) Unpin(name string) error {
	c, err := s.handle()
	if err != nil {
		return err
	}
	cname := cstr(name)
	defer free(cname)
	err = mlops_object_unpin(c, cname)
	runtime.KeepAlive(s)
	return err
}

// Pinned returns the id pinned under name. Errors: ErrNotFound.
func (s *Store) Pinned(name string) (string, error) {
	c, err := s.handle()
	if err != nil {
		return "", err
	}
	cname := cstr(name)
	defer free(cname)
	var out [OidBufsize]C.char
	err = mlops_object_pin_get(&out[0], c, cname)
	runtime.KeepAlive(s)
	if err != nil {
		return "", err
	}
	return oidString(&out), nil
}

// ObjectReader reads one object; every chunk is verified before its bytes are returned.
type ObjectReader struct {
	c       *C.mlops_object_reader
	cleanup runtime.Cleanup
	streamPos
}

var _ io.ReadSeekCloser = (*ObjectReader)(nil)

// OpenReader opens a streaming reader over an object.
func (s *Store) OpenReader(id string) (*ObjectReader, error) {
	c, err := s.handle()
	if err != nil {
		return nil, err
	}
	cid := cstr(id)
	defer free(cid)
	var rc *C.mlops_object_reader
	err = mlops_object_reader_open(&rc, c, cid)
	runtime.KeepAlive(s)
	if err != nil {
		return nil, err
	}
	return newObjectReader(rc), nil
}

func newObjectReader(rc *C.mlops_object_reader) *ObjectReader {
	r := &ObjectReader{c: rc, streamPos: streamPos{size: int64(mlops_object_reader_size(rc))}}
	r.cleanup = runtime.AddCleanup(r, func(c *C.mlops_object_reader) { mlops_object_reader_free(c) }, rc)
	return r
}

// Size returns the uncompressed size of the object.
func (r *ObjectReader) Size() int64 {
	return r.size
}

// Read implements io.Reader.
func (r *ObjectReader) Read(p []byte) (int, error) {
	if r.c == nil {
		return 0, errClosed("the object reader")
	}
	if len(p) == 0 {
		return 0, nil
	}
	var n C.size_t
	err := mlops_object_reader_read(&n, r.c, unsafe.Pointer(&p[0]), C.size_t(len(p)))
	runtime.KeepAlive(r)
	return r.advance(int64(n), err)
}

// Seek implements io.Seeker.
func (r *ObjectReader) Seek(offset int64, whence int) (int64, error) {
	if r.c == nil {
		return 0, errClosed("the object reader")
	}
	offset, err := r.target(offset, whence)
	if err != nil {
		return 0, err
	}
	err = mlops_object_reader_seek(r.c, C.uint64_t(offset))
	runtime.KeepAlive(r)
	return r.moved(offset, err)
}

// Close releases the reader.
func (r *ObjectReader) Close() error {
	if r.c != nil {
		r.cleanup.Stop()
		mlops_object_reader_free(r.c)
		r.c = nil
	}
	return nil
}

// ObjectWriter streams bytes into a new object in constant memory. Commit finishes it; Close without Commit
// abandons it.
type ObjectWriter struct {
	c       *C.mlops_object_writer
	cleanup runtime.Cleanup
	id      string
}

var _ io.WriteCloser = (*ObjectWriter)(nil)

// OpenWriter opens a streaming writer.
func (s *Store) OpenWriter() (*ObjectWriter, error) {
	c, err := s.handle()
	if err != nil {
		return nil, err
	}
	var wc *C.mlops_object_writer
	err = mlops_object_writer_open(&wc, c)
	runtime.KeepAlive(s)
	if err != nil {
		return nil, err
	}
	w := &ObjectWriter{c: wc}
	w.cleanup = runtime.AddCleanup(w, func(c *C.mlops_object_writer) { mlops_object_writer_free(c) }, wc)
	return w, nil
}

// Write implements io.Writer.
func (w *ObjectWriter) Write(p []byte) (int, error) {
	if w.c == nil {
		return 0, errClosed("the object writer")
	}
	err := mlops_object_writer_write(w.c, bytesPtr(p), C.size_t(len(p)))
	runtime.KeepAlive(w)
	runtime.KeepAlive(p)
	if err != nil {
		return 0, err
	}
	return len(p), nil
}

// Commit finishes the object, makes it durable and returns its id. The writer accepts no more bytes.
func (w *ObjectWriter) Commit() (string, error) {
	if w.c == nil {
		return "", errClosed("the object writer")
	}
	var out [OidBufsize]C.char
	err := mlops_object_writer_commit(&out[0], w.c)
	runtime.KeepAlive(w)
	if err != nil {
		return "", err
	}
	w.id = oidString(&out)
	return w.id, nil
}

// ID returns the id of the committed object ("" before Commit).
func (w *ObjectWriter) ID() string {
	return w.id
}

// Close frees the writer; an uncommitted object is abandoned.
func (w *ObjectWriter) Close() error {
	if w.c != nil {
		w.cleanup.Stop()
		mlops_object_writer_free(w.c)
		w.c = nil
	}
	return nil
}
