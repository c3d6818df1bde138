package dag

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Sentinel errors. Every *Error wraps one of them, so callers can test the
// kind of a problem with errors.Is on an ErrorList.
var (
	// ErrSyntax: the file is not well-formed YAML.
	ErrSyntax = errors.New("yaml syntax error")
	// ErrTooLarge: the file is larger than MaxFileSize.
	ErrTooLarge = errors.New("file too large")
	// ErrHostile: the file nests too deep or its aliases expand too far.
	ErrHostile = errors.New("hostile yaml")
	// ErrUnknownKey: a key the format does not know.
	ErrUnknownKey = errors.New("unknown key")
	// ErrInvalid: a value of the wrong type or out of range.
	ErrInvalid = errors.New("invalid value")
	// ErrUnknownOperator: an operator that is not registered.
	ErrUnknownOperator = errors.New("unknown operator")
	// ErrDependency: a dangling, self or duplicate dependency.
	ErrDependency = errors.New("bad dependency")
	// ErrCycle: the tasks' dependencies form a cycle.
	ErrCycle = errors.New("dependency cycle")
	// ErrDuplicate: a task, group or DAG id defined twice.
	ErrDuplicate = errors.New("duplicate id")
	// ErrSchedule: an invalid cron expression or timezone.
	ErrSchedule = errors.New("invalid schedule")
)

// Error is one problem at a position in a DAG file.
type Error struct {
	File   string
	Line   int // 1-based; 0 when the problem concerns the whole file
	Column int
	Msg    string
	Kind   error // one of the sentinel errors above
}

// Error formats the problem as file:line:col: message.
func (e *Error) Error() string { return position(e.File, e.Line, e.Column) + e.Msg }

// Unwrap returns the sentinel kind.
func (e *Error) Unwrap() error { return e.Kind }

func position(file string, line, col int) string {
	switch {
	case line > 0 && col > 0:
		return fmt.Sprintf("%s:%d:%d: ", file, line, col)
	case line > 0:
		return fmt.Sprintf("%s:%d: ", file, line)
	case file != "":
		return file + ": "
	}
	return ""
}

// ErrorList collects every problem found, not only the first.
type ErrorList []*Error

// Error joins the messages, one per line, in file and position order.
func (l ErrorList) Error() string {
	msgs := make([]string, len(l))
	for i, e := range l {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "\n")
}

// Unwrap exposes the individual errors to errors.Is and errors.As.
func (l ErrorList) Unwrap() []error {
	errs := make([]error, len(l))
	for i, e := range l {
		errs[i] = e
	}
	return errs
}

// Sort orders the list by file, line and column (stable for equal positions).
func (l ErrorList) Sort() {
	sort.SliceStable(l, func(i, j int) bool {
		a, b := l[i], l[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Column < b.Column
	})
}

// Err returns nil for an empty list, else the list itself.
func (l ErrorList) Err() error {
	if len(l) == 0 {
		return nil
	}
	return l
}
