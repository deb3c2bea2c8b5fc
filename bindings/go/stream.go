package mlops

import (
	"errors"
	"io"
)

// streamPos is the position bookkeeping shared by the object and dataset readers: the C readers keep the real
// position; this copy answers io.SeekCurrent and io.SeekEnd without a call.
type streamPos struct {
	pos  int64
	size int64
}

// advance records a read of n bytes that returned err, as io.Reader reports it (0 bytes is the end).
func (s *streamPos) advance(n int64, err error) (int, error) {
	if err != nil {
		return 0, err
	}
	s.pos += n
	if n == 0 {
		return 0, io.EOF
	}
	return int(n), nil
}

// target resolves an io.Seeker offset and whence to an absolute position.
func (s *streamPos) target(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekCurrent:
		offset += s.pos
	case io.SeekEnd:
		offset += s.size
	case io.SeekStart:
	default:
		return 0, errors.New("mlops: invalid whence")
	}
	if offset < 0 {
		return 0, &Error{Code: CodeEINVAL, Message: "negative seek offset"}
	}
	return offset, nil
}

// moved records a successful seek to offset.
func (s *streamPos) moved(offset int64, err error) (int64, error) {
	if err != nil {
		return 0, err
	}
	s.pos = offset
	return offset, nil
}
