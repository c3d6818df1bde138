package classify

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/knights-analytics/hugot"
)

// ModelInfo describes one model of the registry (for `dagworker models list`).
type ModelInfo struct {
	// Name is what a task's "model" argument uses.
	Name string `json:"name"`
	// Dir is the model's directory ("embedded" for compiled-in models).
	Dir string `json:"dir"`
	// Pipeline is the pipeline the model suits, guessed from config.json:
	// zero_shot for NLI labels, text_classification with other labels,
	// embedding without labels.
	Pipeline string   `json:"pipeline"`
	Labels   []string `json:"labels"`
	// Size is the total size of the model's files in bytes.
	Size int64 `json:"size"`
}

// ListModels lists the embedded models and every model directory in
// modelsDir (which may be empty or missing), sorted by name.
func ListModels(modelsDir string) ([]ModelInfo, error) {
	var out []ModelInfo
	for name := range embeddedNames() {
		root := path.Join("models", name)
		info := ModelInfo{Name: name, Dir: "embedded"}
		entries, _ := fs.ReadDir(embeddedModels, root) // compiled in
		for _, e := range entries {
			if fi, err := e.Info(); err == nil {
				info.Size += fi.Size()
			}
		}
		data, _ := embeddedModels.ReadFile(path.Join(root, "config.json"))
		info.Pipeline, info.Labels = describe(data)
		out = append(out, info)
	}
	if modelsDir != "" {
		entries, err := os.ReadDir(modelsDir)
		if err != nil && !os.IsNotExist(err) {
			return nil, fmt.Errorf("list models in %s: %w", modelsDir, err)
		}
		for _, e := range entries {
			dir := filepath.Join(modelsDir, e.Name())
			if !e.IsDir() || !isModelDir(dir) {
				continue
			}
			data, _ := os.ReadFile(filepath.Join(dir, "config.json")) // optional
			info := ModelInfo{Name: e.Name(), Dir: dir, Size: dirSize(dir)}
			info.Pipeline, info.Labels = describe(data)
			out = append(out, info)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func describe(configJSON []byte) (string, []string) {
	var c modelConfig
	if len(configJSON) > 0 {
		_ = json.Unmarshal(configJSON, &c) // an unreadable config describes as embedding
	}
	labels := c.labels()
	if len(labels) == 0 {
		return PipelineEmbedding, nil
	}
	for _, l := range labels {
		if strings.HasPrefix(strings.ToLower(l), "entail") {
			return PipelineZeroShot, labels
		}
	}
	return PipelineTextClassification, labels
}

// PullOptions configures Pull.
type PullOptions struct {
	// Dir is the registry folder the model is copied into (required).
	Dir string
	// Branch is the hub revision (default "main").
	Branch string
	// OnnxFile picks one .onnx file when the repository has several.
	OnnxFile string
	// Token authenticates to the hub (for gated or private models).
	Token string
	// Retries is how many times a failed download is retried (default 3).
	Retries int
}

var repoIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*$`)

// Pull downloads a Hugging Face hub repository with hugot's downloader into
// opts.Dir/<owner>_<name> and returns that directory, which ListModels then
// shows and a task's "model" argument reaches as "owner/name". The hub
// endpoint is the HF_ENDPOINT environment variable (default the public
// hub); files are cached under $XDG_CACHE_HOME/huggingface/hub first.
func Pull(repoID string, opts PullOptions) (string, error) {
	if !repoIDPattern.MatchString(repoID) || strings.Contains(repoID, "..") {
		return "", fmt.Errorf("repo id %q: want owner/name", repoID)
	}
	if opts.Dir == "" {
		return "", fmt.Errorf("pull %s: no models directory given", repoID)
	}
	if err := os.MkdirAll(opts.Dir, 0o755); err != nil {
		return "", fmt.Errorf("pull %s: %w", repoID, err)
	}
	d := hugot.NewDownloadOptions()
	d.AuthToken = opts.Token
	d.OnnxFilePath = opts.OnnxFile
	if opts.Branch != "" {
		d.Branch = opts.Branch
	}
	d.MaxRetries = 3
	if opts.Retries > 0 {
		d.MaxRetries = opts.Retries
	}
	d.RetryInterval = 1
	dir, err := hugot.DownloadModel(repoID, opts.Dir, d)
	if err != nil {
		return "", fmt.Errorf("pull %s: %w", repoID, err)
	}
	if !isModelDir(dir) {
		return "", fmt.Errorf("pull %s: %w: %s has no model.onnx and tokenizer.json", repoID, ErrBadModel, dir)
	}
	return dir, nil
}
