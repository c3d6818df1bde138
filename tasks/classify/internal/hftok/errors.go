package hftok

import "errors"

// ErrUnsupported is wrapped by every error of Load or LoadProcessor that
// refuses a tokenizer.json component it cannot reproduce exactly.
var ErrUnsupported = errors.New("hftok: unsupported tokenizer component")

// ErrInvalid is wrapped by errors about malformed tokenizer.json content.
var ErrInvalid = errors.New("hftok: invalid tokenizer.json")

// errPanic is wrapped by the error returned when a panic inside Load or
// Tokenize was recovered: a bug, which the fuzz targets look for.
var errPanic = errors.New("hftok: internal error")
