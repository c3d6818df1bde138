package main

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
)

// buildInfo is the version of the binary: the module version (the tag it
// was installed at, "(devel)" for a build in the source tree) and the VCS
// commit, time and dirty flag the go tool stamped into it.
type buildInfo struct {
	version, commit, time string
	modified              bool
}

func readBuildInfo() buildInfo {
	b := buildInfo{version: version}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return b
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		b.version = v
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			b.commit = s.Value
		case "vcs.time":
			b.time = s.Value
		case "vcs.modified":
			b.modified = s.Value == "true"
		}
	}
	return b
}

// runVersion is `dagworker version` and `dagworker --version`.
func runVersion(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("version", stderr)
	if err := parseFlags(fs, args); err != nil {
		return flagError(err)
	}
	b := readBuildInfo()
	line := "dagworker " + b.version
	if b.commit != "" {
		line += " commit " + b.commit
		if b.modified {
			line += " (modified)"
		}
		if b.time != "" {
			line += " " + b.time
		}
	}
	fmt.Fprintf(stdout, "%s %s %s/%s\n", line, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return nil
}
