package classify

// The demo model (models/) and the test models (testdata/models/) are
// written by internal/onnxgen; TestFixturesUpToDate checks they match it.
//go:generate go run ./internal/onnxgen/gen
