package template

import (
	"errors"
	"fmt"
)

var (
	// ErrSyntax reports a malformed template or expression.
	ErrSyntax = errors.New("syntax error")
	// ErrUnknownName reports the use of an undefined name, key or index.
	ErrUnknownName = errors.New("unknown name")
	// ErrUnsupported reports a Jinja construct outside the supported subset
	// ({% %} blocks, {# #} comments, unknown filters, unsupported arguments).
	ErrUnsupported = errors.New("not supported")
	// ErrType reports an operation on values of the wrong type.
	ErrType = errors.New("type error")
	// ErrTooLarge reports a template, expression or produced value above its bound.
	ErrTooLarge = errors.New("too large")
	// ErrNoXCom reports ti.xcom_pull used where no XCom source is available.
	ErrNoXCom = errors.New("no XCom available")
	// ErrXCom wraps an error returned by Context.XCom.
	ErrXCom = errors.New("xcom_pull failed")
)

// Error is a template error at a byte offset within the template string.
type Error struct {
	// Offset is the byte offset within the template string where the failing
	// expression or construct starts.
	Offset int
	// Err is the underlying error; it wraps one of the package's sentinels.
	Err error
}

// Error implements error.
func (e *Error) Error() string { return fmt.Sprintf("offset %d: %v", e.Offset, e.Err) }

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

func errAt(pos int, sentinel error, format string, args ...any) *Error {
	return &Error{Offset: pos, Err: fmt.Errorf("%w: %s", sentinel, fmt.Sprintf(format, args...))}
}
