//go:build !ORT

package classify

import "fmt"

// ortCompiled reports whether this binary has the ORT backend.
const ortCompiled = false

// DefaultORTLibrary is where the ORT library would be looked for; this
// binary is built without the ORT backend.
func DefaultORTLibrary() string { return "" }

func newORTEngine(string, int) (engine, error) {
	return nil, fmt.Errorf("%w: this binary is built without it (make build-ort)", ErrORTUnavailable)
}
