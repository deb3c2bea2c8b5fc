"""Streaming access to objects: a seekable reader (a binary file object) and a writer (a context manager)."""

from __future__ import annotations

import io
from ctypes import byref, c_char, c_size_t, c_void_p, create_string_buffer
from typing import Optional, Tuple

from . import _ffi
from ._lib import lib
from .errors import InvalidError, check


def buffer_arg(data) -> Tuple[object, int, object]:
	"""(pointer argument, size, object to keep alive) for any bytes-like object, without copying when possible."""
	if isinstance(data, bytes):
		return data, len(data), data
	mv = memoryview(data)
	if not mv.c_contiguous:
		raise InvalidError("the buffer is not contiguous")
	mv = mv.cast("B") if mv.format != "B" or mv.ndim != 1 else mv
	n = mv.nbytes
	if n == 0:
		return None, 0, None
	if mv.readonly:
		b = mv.tobytes()
		return b, n, b
	arr = (c_char * n).from_buffer(mv)
	return arr, n, (arr, mv)


class ObjectReader(io.RawIOBase):
	"""Reads one object; every chunk is verified before its bytes are returned (CorruptError otherwise)."""

	def __init__(self, handle: c_void_p):
		super().__init__()
		self._handle = handle
		self._pos = 0
		self._size = lib().mlops_object_reader_size(handle)

	@classmethod
	def _open(cls, store: c_void_p, oid: Optional[bytes]) -> "ObjectReader":
		L = lib()
		h = c_void_p()
		check(L, L.mlops_object_reader_open(byref(h), store, oid))
		return cls(h)

	@property
	def size(self) -> int:
		"""The uncompressed size of the object."""
		return self._size

	def readable(self) -> bool:
		"""Always True."""
		return True

	def seekable(self) -> bool:
		"""Always True."""
		return True

	def readinto(self, b) -> int:
		"""Read into a writable buffer; returns the number of bytes read (0 at the end)."""
		if self._handle is None:
			raise ValueError("I/O operation on a closed object reader")
		mv = memoryview(b).cast("B")
		n = mv.nbytes
		if n == 0:
			return 0
		L = lib()
		got = c_size_t()
		if mv.readonly:
			raise InvalidError("readinto needs a writable buffer")
		buf = (c_char * n).from_buffer(mv)
		check(L, L.mlops_object_reader_read(byref(got), self._handle, buf, n))
		self._pos += got.value
		return got.value

	def read(self, size: int = -1) -> bytes:
		"""Read up to size bytes (all the rest when size < 0); b"" at the end."""
		if size is None or size < 0:
			size = max(self._size - self._pos, 0)
		if size == 0:
			return b""
		buf = create_string_buffer(size)
		L = lib()
		got = c_size_t()
		total = 0
		while total < size:
			view = (c_char * (size - total)).from_buffer(buf, total)
			check(L, L.mlops_object_reader_read(byref(got), self._handle, view, size - total))
			if got.value == 0:
				break
			total += got.value
		self._pos += total
		return buf.raw[:total]

	def readall(self) -> bytes:
		"""Read everything from the current position to the end."""
		return self.read(-1)

	def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
		"""Move to offset (whence SEEK_SET, SEEK_CUR or SEEK_END); returns the new position."""
		if self._handle is None:
			raise ValueError("I/O operation on a closed object reader")
		if whence == io.SEEK_CUR:
			offset += self._pos
		elif whence == io.SEEK_END:
			offset += self._size
		elif whence != io.SEEK_SET:
			raise InvalidError("whence must be SEEK_SET, SEEK_CUR or SEEK_END")
		L = lib()
		check(L, L.mlops_object_reader_seek(self._handle, offset))
		self._pos = offset
		return offset

	def tell(self) -> int:
		"""The current position."""
		return self._pos

	def close(self) -> None:
		"""Release the reader."""
		h, self._handle = getattr(self, "_handle", None), None
		if h:
			lib().mlops_object_reader_free(h)
		super().close()


class ObjectWriter:
	"""Streams bytes into a new object in constant memory.

	    with store.open_writer() as w:
	        w.write(b"...")
	    oid = w.id

	Leaving the block normally commits; an exception abandons the object. commit() may also be called directly.
	"""

	def __init__(self, handle: c_void_p):
		self._handle = handle
		self.id: Optional[str] = None

	@classmethod
	def _open(cls, store: c_void_p) -> "ObjectWriter":
		L = lib()
		h = c_void_p()
		check(L, L.mlops_object_writer_open(byref(h), store))
		return cls(h)

	def write(self, data) -> int:
		"""Append bytes (any bytes-like object); returns how many were written."""
		if self._handle is None:
			raise ValueError("write to a closed object writer")
		L = lib()
		ptr, size, _keep = buffer_arg(data)
		check(L, L.mlops_object_writer_write(self._handle, ptr, size))
		return size

	def commit(self) -> str:
		"""Finish the object, make it durable and return its id."""
		if self._handle is None:
			raise ValueError("commit of a closed object writer")
		L = lib()
		out = create_string_buffer(_ffi.MLOPS_OID_BUFSIZE)
		check(L, L.mlops_object_writer_commit(out, self._handle))
		self.id = out.value.decode()
		return self.id

	def close(self) -> None:
		"""Free the writer; an uncommitted object is abandoned."""
		h, self._handle = self._handle, None
		if h:
			lib().mlops_object_writer_free(h)

	def __enter__(self) -> "ObjectWriter":
		return self

	def __exit__(self, exc_type, exc, tb) -> None:
		try:
			if exc_type is None and self.id is None:
				self.commit()
		finally:
			self.close()

	def __del__(self):
		try:
			self.close()
		except Exception:
			pass
