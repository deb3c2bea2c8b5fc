// Errors of libmlops as Go errors: an *Error carries the code and the library's message, and errors.Is matches
// it against the sentinel of its code (errors.Is(err, mlops.ErrNotFound)).

package mlops

/*
#include <mlops/mlops.h>
*/
import "C"

// Error is a failed libmlops call: Code is the MLOPS_E* value, Message the library's message.
type Error struct {
	Code    ErrorCode
	Message string
}

func (e *Error) Error() string {
	name := ErrorName(e.Code)
	if e.Message == "" {
		return name
	}
	return name + ": " + e.Message
}

// Is reports whether target is the sentinel of e's code (a sentinel is an *Error without a message).
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Message == "" && t.Code == e.Code
}

// Sentinels, one per error code, for errors.Is.
var (
	ErrFailed   = &Error{Code: CodeERROR}     // a failure with no more specific code
	ErrInvalid  = &Error{Code: CodeEINVAL}    // an argument or an input is invalid
	ErrNotFound = &Error{Code: CodeENOTFOUND} // the named object does not exist
	ErrExists   = &Error{Code: CodeEEXISTS}   // an object with that name already exists
	ErrConflict = &Error{Code: CodeECONFLICT} // the call conflicts with stored state
	ErrBusy     = &Error{Code: CodeEBUSY}     // the store stayed locked past the busy timeout
	ErrCorrupt  = &Error{Code: CodeECORRUPT}  // stored data failed verification
	ErrIO       = &Error{Code: CodeEIO}       // an I/O error from the system or a backend
	ErrNoSpace  = &Error{Code: CodeENOSPC}    // no space left on the device
	ErrNoMemory = &Error{Code: CodeENOMEM}    // out of memory
	ErrReadOnly = &Error{Code: CodeEREADONLY} // the store was opened read-only
	ErrVersion  = &Error{Code: CodeEVERSION}  // an unknown version, or a store newer than the library
	ErrParse    = &Error{Code: CodeEPARSE}    // malformed text input
	ErrStopped  = &Error{Code: CodeEUSER}     // a user callback asked to stop
)

var sentinels = []*Error{ErrFailed, ErrInvalid, ErrNotFound, ErrExists, ErrConflict, ErrBusy, ErrCorrupt, ErrIO,
	ErrNoSpace, ErrNoMemory, ErrReadOnly, ErrVersion, ErrParse, ErrStopped}

// Sentinel returns the sentinel error of a code, or nil when the code has none (MLOPS_OK, MLOPS_ITEROVER).
func Sentinel(code ErrorCode) *Error {
	for _, s := range sentinels {
		if s.Code == code {
			return s
		}
	}
	return nil
}

// ErrorName returns the C name of an error code, such as "MLOPS_ENOTFOUND".
func ErrorName(code ErrorCode) string {
	return C.GoString(mlops_error_name(C.int(code)))
}

// errorFromLast builds the error of a call that returned rc; the generated wrappers call it on the thread they
// locked for the call, before any other libmlops call can replace the thread-local error.
func errorFromLast(rc int) error {
	e := mlops_error_last()
	msg := ""
	if int(e.code) == rc && e.message != nil {
		msg = C.GoString(e.message)
	}
	if msg == "" {
		msg = ErrorName(ErrorCode(rc)) + " (no message recorded)"
	}
	return &Error{Code: ErrorCode(rc), Message: msg}
}

func isIterOver(err error) bool {
	e, ok := err.(*Error)
	return ok && e.Code == CodeITEROVER
}

func errClosed(what string) error {
	return &Error{Code: CodeEINVAL, Message: what + " is closed"}
}

// LastError returns the calling thread's last libmlops error (code MLOPS_OK and "" when none). Errors returned by
// this package already carry their message; this exists for callers that mix in their own C calls.
func LastError() (ErrorCode, string) {
	e := mlops_error_last()
	return ErrorCode(e.code), C.GoString(e.message)
}

// ClearError forgets the calling thread's last libmlops error.
func ClearError() {
	mlops_error_clear()
}
