package classify

import "errors"

// ErrModelNotFound is returned when a model reference resolves nowhere; the
// message lists every place that was looked at.
var ErrModelNotFound = errors.New("model not found")

// ErrBadModel is returned when a model directory cannot be loaded for the
// requested pipeline (missing files, wrong outputs, no labels).
var ErrBadModel = errors.New("unusable model")

// ErrModelOutsideRoots is returned for a local model directory (or a
// file:// model URL) outside the registry, the cache and Config.ModelRoots.
var ErrModelOutsideRoots = errors.New("local model outside the model folders")
