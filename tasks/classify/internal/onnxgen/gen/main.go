// Command gen writes the generated test and demo models into the
// tasks/classify package directory (run by `go generate` there).
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/dagworker/dagworker/tasks/classify/internal/onnxgen"
)

func main() {
	if err := run("."); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(root string) error {
	models := onnxgen.All()
	for name, rel := range onnxgen.Layout() {
		dir := filepath.Join(root, filepath.FromSlash(rel))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		for file, data := range models[name] {
			if err := os.WriteFile(filepath.Join(dir, file), data, 0o644); err != nil {
				return err
			}
		}
	}
	return nil
}
