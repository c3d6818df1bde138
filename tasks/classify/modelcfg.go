package classify

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// modelConfig is what we read from config.json (and tokenizer_config.json).
type modelConfig struct {
	MaxPositions int               `json:"max_position_embeddings"`
	ModelType    string            `json:"model_type"`
	ProblemType  string            `json:"problem_type"`
	ID2Label     map[string]string `json:"id2label"`
	Arch         []string          `json:"architectures"`
}

// readConfig reads config.json; a folder without one has an empty config.
func readConfig(dir string) (modelConfig, error) {
	var c modelConfig
	if err := readJSON(filepath.Join(dir, "config.json"), &c); err != nil {
		return c, err
	}
	return c, nil
}

// readJSON decodes the file into v; a missing file leaves v unchanged.
func readJSON(path string, v any) error {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	return nil
}

// maxTokens is the longest input the model takes: max_position_embeddings
// (512 when unknown) less the two positions RoBERTa-family models reserve
// for padding, capped by tokenizer_config.json's model_max_length.
func maxTokens(dir string, c modelConfig) (int, error) {
	n := c.MaxPositions
	if n <= 0 {
		n = 512
	}
	switch c.ModelType {
	case "roberta", "xlm-roberta", "camembert", "longformer":
		n -= 2
	}
	var tc struct {
		ModelMaxLength float64 `json:"model_max_length"`
	}
	if err := readJSON(filepath.Join(dir, "tokenizer_config.json"), &tc); err != nil {
		return 0, err
	}
	if tc.ModelMaxLength >= minMaxLength && tc.ModelMaxLength < float64(n) {
		n = int(tc.ModelMaxLength)
	}
	return n, nil
}

// labels returns id2label in id order; ids missing in between are named
// LABEL_<id> as transformers does.
func (c modelConfig) labels() []string {
	ids := make([]int, 0, len(c.ID2Label))
	for k := range c.ID2Label {
		if id, err := strconv.Atoi(k); err == nil && id >= 0 && id < 1<<16 {
			ids = append(ids, id)
		}
	}
	sort.Ints(ids)
	if len(ids) == 0 {
		return nil
	}
	out := make([]string, ids[len(ids)-1]+1)
	for i := range out {
		out[i] = "LABEL_" + strconv.Itoa(i)
	}
	for _, id := range ids {
		out[id] = c.ID2Label[strconv.Itoa(id)]
	}
	return out
}

// multiLabel reports whether scores are independent sigmoids
// (problem_type multi_label_classification) rather than one softmax.
func (c modelConfig) multiLabel() bool { return c.ProblemType == "multi_label_classification" }

// entailment returns the ids of the NLI labels, -1 when absent.
func (c modelConfig) entailment() (entail, contra int) {
	entail, contra = -1, -1
	for i, l := range c.labels() {
		switch {
		case strings.HasPrefix(strings.ToLower(l), "entail"):
			entail = i
		case strings.HasPrefix(strings.ToLower(l), "contra"):
			contra = i
		}
	}
	return entail, contra
}

// Pooling modes of a sentence-transformers Pooling module.
const (
	poolCLS      = "cls"
	poolMean     = "mean"
	poolMax      = "max"
	poolMeanSqrt = "mean_sqrt_len"
)

// pooling is how token embeddings become one sentence embedding.
type pooling struct {
	modes     []string // concatenated in this order
	normalize bool
	// configured reports whether it came from the model's
	// sentence-transformers files rather than the default.
	configured bool
}

// defaultPooling is mean pooling with L2 normalisation.
var defaultPooling = pooling{modes: []string{poolMean}, normalize: true}

// readPooling reads the sentence-transformers module list (modules.json):
// the Pooling module's config.json and whether a Normalize module follows.
// Without modules.json the default applies.
func readPooling(dir string) (pooling, error) {
	var mods []struct {
		Path string `json:"path"`
		Type string `json:"type"`
	}
	if err := readJSON(filepath.Join(dir, "modules.json"), &mods); err != nil {
		return pooling{}, err
	}
	if len(mods) == 0 {
		return defaultPooling, nil
	}
	p := pooling{configured: true}
	for _, m := range mods {
		switch {
		case strings.HasSuffix(m.Type, ".Pooling"):
			var pc map[string]any
			if !filepath.IsLocal(filepath.FromSlash(m.Path)) {
				return pooling{}, fmt.Errorf("modules.json: path %q leaves the model folder", m.Path)
			}
			sub := filepath.Join(dir, filepath.FromSlash(m.Path), "config.json")
			if err := readJSON(sub, &pc); err != nil {
				return pooling{}, err
			}
			if pc == nil {
				return pooling{}, fmt.Errorf("modules.json: %s has no config.json", m.Path)
			}
			for _, mode := range []struct{ key, mode string }{
				{"pooling_mode_cls_token", poolCLS}, {"pooling_mode_max_tokens", poolMax},
				{"pooling_mode_mean_tokens", poolMean}, {"pooling_mode_mean_sqrt_len_tokens", poolMeanSqrt},
			} {
				if on, _ := pc[mode.key].(bool); on {
					p.modes = append(p.modes, mode.mode)
				}
			}
			for _, key := range []string{"pooling_mode_weightedmean_tokens", "pooling_mode_lasttoken"} {
				if on, _ := pc[key].(bool); on {
					return pooling{}, fmt.Errorf("%s/config.json: %s is not supported", m.Path, key)
				}
			}
		case strings.HasSuffix(m.Type, ".Normalize"):
			p.normalize = true
		}
	}
	if len(p.modes) == 0 {
		p.modes = []string{poolMean}
	}
	return p, nil
}
