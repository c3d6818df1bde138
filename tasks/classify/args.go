package classify

import (
	"strings"

	"github.com/dagworker/dagworker/tasks"
)

// Pipelines.
const (
	PipelineTextClassification = "text_classification"
	PipelineZeroShot           = "zero_shot"
	PipelineEmbedding          = "embedding"
)

// Argument defaults and limits.
const (
	DefaultBatchSize          = 8
	MaxBatchSize              = 32
	DefaultTopK               = 3
	DefaultTextField          = "text"
	DefaultHypothesisTemplate = "This example is {}."
	// DefaultMaxLength is the token limit when max_length is not given (and
	// the model allows it); texts are truncated, keeping the final [SEP].
	DefaultMaxLength = 256
	minMaxLength     = 8
	maxMaxLength     = 8192
	maxLabels        = 64
	// DefaultMaxFailedFraction is the share of records with text that may
	// fail (a tokenizer or model error, written with an "error" field)
	// before the task fails.
	DefaultMaxFailedFraction = 0.1
	// maxTexts bounds the texts argument (larger sets belong in a file).
	maxTexts = 1000
)

// Args are the classify task's arguments.
type Args struct {
	// Model names the model: a registry name, a local directory or a blob
	// URL (a local directory or file:// URL only inside the registry, the
	// model cache or --model-roots). Required.
	Model string `json:"model"`
	// Pipeline is text_classification (default), zero_shot or embedding.
	Pipeline string `json:"pipeline"`
	// Input is the lake key or URI of the JSONL to classify. Default: the
	// outputs of the upstream tasks (see InputTask).
	Input string `json:"input"`
	// InputTask names the upstream tasks whose outputs are read: one id or
	// a list. Default: every upstream task that wrote pages (several are
	// read one after the other into one output).
	InputTask tasks.TaskIDs `json:"input_task"`
	// Texts are strings to classify instead of an input file (an ad-hoc
	// task on a sentence typed in a notebook): each is one record with
	// the text in text_field. At most 1,000.
	Texts []string `json:"texts"`
	// Labels are the candidate labels (required for zero_shot; for
	// embedding they enable the nearest-label output).
	Labels []string `json:"labels"`
	// HypothesisTemplate is the zero-shot hypothesis; "{}" stands for the
	// label (default "This example is {}.").
	HypothesisTemplate string `json:"hypothesis_template"`
	// LabelDescriptions maps a label to the text embedded for it (embedding
	// pipeline); a label without one is embedded as itself.
	LabelDescriptions map[string]string `json:"label_descriptions"`
	// BatchSize is the number of texts per forward pass (1–32, default 8).
	BatchSize int `json:"batch_size"`
	// MaxLength is the token limit per text (default 256, capped by the
	// model's max_position_embeddings).
	MaxLength int `json:"max_length"`
	// TopK is how many labels with scores each record keeps (default 3).
	TopK int `json:"top_k"`
	// TextField is the record field holding the text (default "text"); an
	// empty value falls back to "title".
	TextField string `json:"text_field"`
	// Normalize L2-normalises embeddings (embedding pipeline). Default: as
	// the model's sentence-transformers modules.json says (a Normalize
	// module), and true for a model without one.
	Normalize *bool `json:"normalize"`
	// MaxFailedFraction is the share (0–1) of records with text that may
	// fail before the task fails (default 0.1); the task also fails when
	// every such record fails.
	MaxFailedFraction *float64 `json:"max_failed_fraction"`
	maxFailed         float64
}

// ArgNames returns the names of the classify task's arguments.
func ArgNames() []string {
	return []string{"model", "pipeline", "input", "input_task", "labels", "hypothesis_template",
		"label_descriptions", "batch_size", "max_length", "top_k", "text_field", "normalize", "max_failed_fraction", "texts"}
}

// parseArgs decodes and validates the task's arguments and fills defaults.
func parseArgs(t *tasks.Task) (Args, error) {
	var a Args
	if err := tasks.DecodeArgs(t, &a); err != nil {
		return a, err
	}
	if strings.TrimSpace(a.Model) == "" {
		return a, tasks.InvalidArg("model", "required: a registry name, a local directory or a blob URL")
	}
	switch a.Pipeline {
	case "":
		a.Pipeline = PipelineTextClassification
	case PipelineTextClassification, PipelineZeroShot, PipelineEmbedding:
	default:
		return a, tasks.InvalidArg("pipeline", "%q is not one of %s, %s, %s", a.Pipeline,
			PipelineTextClassification, PipelineZeroShot, PipelineEmbedding)
	}
	if len(a.Labels) > maxLabels {
		return a, tasks.InvalidArg("labels", "at most %d labels", maxLabels)
	}
	seen := map[string]bool{}
	for _, l := range a.Labels {
		if strings.TrimSpace(l) == "" {
			return a, tasks.InvalidArg("labels", "empty label")
		}
		if seen[l] {
			return a, tasks.InvalidArg("labels", "duplicate label %q", l)
		}
		seen[l] = true
	}
	if a.Pipeline == PipelineZeroShot && len(a.Labels) == 0 {
		return a, tasks.InvalidArg("labels", "required for the zero_shot pipeline")
	}
	if a.HypothesisTemplate != "" && a.Pipeline != PipelineZeroShot {
		return a, tasks.InvalidArg("hypothesis_template", "only used by the zero_shot pipeline")
	}
	if a.HypothesisTemplate == "" {
		a.HypothesisTemplate = DefaultHypothesisTemplate
	}
	if strings.Count(a.HypothesisTemplate, "{}") != 1 {
		return a, tasks.InvalidArg("hypothesis_template", "must contain \"{}\" exactly once, got %q", a.HypothesisTemplate)
	}
	if len(a.LabelDescriptions) > 0 {
		if a.Pipeline != PipelineEmbedding {
			return a, tasks.InvalidArg("label_descriptions", "only used by the embedding pipeline")
		}
		for l := range a.LabelDescriptions {
			if !seen[l] {
				return a, tasks.InvalidArg("label_descriptions", "%q is not in labels", l)
			}
		}
	}
	switch {
	case a.BatchSize == 0:
		a.BatchSize = DefaultBatchSize
	case a.BatchSize < 1 || a.BatchSize > MaxBatchSize:
		return a, tasks.InvalidArg("batch_size", "must be 1..%d, got %d", MaxBatchSize, a.BatchSize)
	}
	switch {
	case a.MaxLength == 0:
		a.MaxLength = DefaultMaxLength
	case a.MaxLength < minMaxLength || a.MaxLength > maxMaxLength:
		return a, tasks.InvalidArg("max_length", "must be %d..%d, got %d", minMaxLength, maxMaxLength, a.MaxLength)
	}
	switch {
	case a.TopK == 0:
		a.TopK = DefaultTopK
	case a.TopK < 1 || a.TopK > maxLabels:
		return a, tasks.InvalidArg("top_k", "must be 1..%d, got %d", maxLabels, a.TopK)
	}
	if a.Normalize != nil && a.Pipeline != PipelineEmbedding {
		return a, tasks.InvalidArg("normalize", "only used by the embedding pipeline")
	}
	a.maxFailed = DefaultMaxFailedFraction
	if f := a.MaxFailedFraction; f != nil {
		if !(*f >= 0 && *f <= 1) {
			return a, tasks.InvalidArg("max_failed_fraction", "must be 0..1, got %g", *f)
		}
		a.maxFailed = *f
	}
	if a.TextField == "" {
		a.TextField = DefaultTextField
	}
	if err := a.InputTask.Check(); err != nil {
		return a, tasks.InvalidArg("input_task", "%v", err)
	}
	if len(a.InputTask) > 0 && a.Input != "" {
		return a, tasks.InvalidArg("input_task", "give either input or input_task, not both")
	}
	if len(a.Texts) > maxTexts {
		return a, tasks.InvalidArg("texts", "at most %d, got %d", maxTexts, len(a.Texts))
	}
	if len(a.Texts) > 0 && (a.Input != "" || len(a.InputTask) > 0) {
		return a, tasks.InvalidArg("texts", "give texts, input or input_task, not two of them")
	}
	return a, nil
}
