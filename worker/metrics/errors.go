package metrics

import "errors"

// ErrConfig reports an invalid collector configuration.
var ErrConfig = errors.New("metrics: invalid config")
