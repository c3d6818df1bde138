package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/dagworker/dagworker/tasks/classify"
)

// defaultModelsDir is the model registry folder when neither --models nor
// DAGWORKER_MODELS is given.
const defaultModelsDir = "models"

// runModels is `dagworker models pull|list`.
func runModels(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || isHelp(args[0]) {
		fmt.Fprintln(stderr, "usage: dagworker models pull [flags] <owner/name>\n       dagworker models list [flags]")
		if len(args) == 0 {
			return exitError(2)
		}
		return nil
	}
	switch args[0] {
	case "pull":
		return runModelsPull(ctx, args[1:], stdout, stderr)
	case "list":
		return runModelsList(args[1:], stdout, stderr)
	}
	return fmt.Errorf("models: unknown subcommand %q (want pull or list)", args[0])
}

// runModelsPull downloads a Hugging Face repository with hugot's downloader
// into the registry folder. The hub is HF_ENDPOINT (default the public
// hub) and HF_TOKEN authenticates.
func runModelsPull(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("models pull", stderr)
	dir := fs.String("models", defaultModelsDir, "model registry folder the model is copied into")
	branch := fs.String("branch", "main", "hub revision (branch, tag or commit)")
	onnx := fs.String("onnx-file", "", "the .onnx file to take when the repository has several (e.g. onnx/model_quantized.onnx)")
	if err := parseFlags(fs, args); err != nil {
		return flagError(err)
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "usage: dagworker models pull [flags] <owner/name>")
		return exitError(2)
	}
	repo := fs.Arg(0)
	path, err := classify.Pull(repo, classify.PullOptions{Dir: *dir, Branch: *branch, OnnxFile: *onnx, Token: os.Getenv("HF_TOKEN")})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "pulled %s into %s (use model: %s)\n", repo, path, repo)
	return nil
}

// runModelsList prints the registry's models: name, pipeline, labels, size.
func runModelsList(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("models list", stderr)
	dir := fs.String("models", defaultModelsDir, "model registry folder")
	asJSON := fs.Bool("json", false, "print JSON instead of a table")
	if err := parseFlags(fs, args); err != nil {
		return flagError(err)
	}
	if fs.NArg() != 0 {
		return errors.New("models list takes no arguments")
	}
	models, err := classify.ListModels(*dir)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(models)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tPIPELINE\tLABELS\tSIZE\tDIR")
	for _, m := range models {
		labels := strings.Join(m.Labels, ",")
		if labels == "" {
			labels = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", m.Name, m.Pipeline, labels, humanSize(m.Size), m.Dir)
	}
	return tw.Flush()
}

func humanSize(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
