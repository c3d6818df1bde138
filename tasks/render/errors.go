package render

import "errors"

// ErrFont is returned for a font file that cannot be used: missing,
// unreadable, not a TrueType (glyf-outline) font, or rejected by the PDF
// library's parser.
var ErrFont = errors.New("unusable font")

// ErrInput is returned when the task's input cannot be located, for example
// when the upstream task's XCom names no output.
var ErrInput = errors.New("render input")
