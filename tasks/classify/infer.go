package classify

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"

	"github.com/dagworker/dagworker/tasks"
)

// maxLineBytes bounds one input record.
const maxLineBytes = 16 << 20

// LabelScore is one label with its score.
type LabelScore struct {
	Label string  `json:"label"`
	Score float64 `json:"score"`
}

// prediction is the result for one text.
type prediction struct {
	Top       []LabelScore // best first
	Embedding []float32
}

// classifier runs one task's records through a loaded model.
type classifier struct {
	l         *loaded
	args      Args
	model     string
	maxTokens int
	labelVecs [][]float32 // embedding pipeline: one per label
}

// prepare fixes the token limit and embeds the label descriptions.
func (c *classifier) prepare() error {
	c.maxTokens = min(c.args.MaxLength, c.l.maxPos)
	if c.args.Pipeline != PipelineEmbedding || len(c.args.Labels) == 0 {
		return nil
	}
	texts := make([]string, len(c.args.Labels))
	for i, label := range c.args.Labels {
		texts[i] = label
		if d := c.args.LabelDescriptions[label]; d != "" {
			texts[i] = d
		}
	}
	preds, err := c.predict(texts)
	if err != nil {
		return fmt.Errorf("embed labels: %w", err)
	}
	for _, p := range preds {
		c.labelVecs = append(c.labelVecs, p.Embedding)
	}
	return nil
}

// predict runs one batch of texts.
func (c *classifier) predict(texts []string) ([]prediction, error) {
	for i, t := range texts {
		texts[i] = precut(t, c.maxTokens)
	}
	l := c.l
	l.mu.Lock()
	defer l.mu.Unlock()
	switch c.args.Pipeline {
	case PipelineTextClassification:
		l.setMaxTokens(c.maxTokens)
		out, err := l.text.RunPipeline(texts)
		if err != nil {
			return nil, err
		}
		preds := make([]prediction, len(texts))
		for i, scores := range out.ClassificationOutputs {
			for _, s := range scores {
				preds[i].Top = append(preds[i].Top, LabelScore{Label: s.Label, Score: float64(s.Score)})
			}
		}
		return preds, nil
	case PipelineZeroShot:
		return c.zeroShot(texts)
	default:
		l.setMaxTokens(c.maxTokens)
		out, err := l.feat.RunPipeline(texts)
		if err != nil {
			return nil, err
		}
		preds := make([]prediction, len(texts))
		for i, v := range out.Embeddings {
			preds[i].Embedding = v
			for j, lv := range c.labelVecs {
				preds[i].Top = append(preds[i].Top, LabelScore{Label: c.args.Labels[j], Score: cosine(v, lv)})
			}
		}
		return preds, nil
	}
}

// zeroShot scores each text against every label, one text per call (hugot
// pads a multi-text zero-shot batch wrongly). The premise is cut so that
// "[CLS] premise [SEP] hypothesis [SEP]" fits in maxTokens. The caller
// holds l.mu.
func (c *classifier) zeroShot(texts []string) ([]prediction, error) {
	l := c.l
	l.tk.WithTruncation(nil)
	hyp := 0
	for _, label := range c.args.Labels {
		enc, err := l.tk.EncodeSingle(strings.Replace(c.args.HypothesisTemplate, "{}", label, 1), false)
		if err == nil {
			hyp = max(hyp, len(enc.Ids))
		}
	}
	room := max(c.maxTokens-hyp-3, 1)
	premises := make([]string, len(texts))
	for i, t := range texts {
		premises[i] = l.truncateTokens(t, room)
	}
	l.setMaxTokens(c.maxTokens)
	l.zero.Labels = c.args.Labels
	l.zero.HypothesisTemplate = c.args.HypothesisTemplate
	l.zero.Multilabel = false
	if l.hmodel.SeparatorToken == "" {
		l.hmodel.SeparatorToken = "[SEP]"
	}
	preds := make([]prediction, len(texts))
	for i, p := range premises {
		out, err := l.zero.RunPipeline([]string{p})
		if err != nil {
			return nil, err
		}
		for _, o := range out.ClassificationOutputs {
			for _, kv := range o.SortedValues {
				preds[i].Top = append(preds[i].Top, LabelScore{Label: kv.Key, Score: kv.Value})
			}
		}
	}
	return preds, nil
}

func cosine(a, b []float32) float64 {
	var dot, na, nb float64
	for i := range min(len(a), len(b)) {
		dot += float64(a[i]) * float64(b[i])
		na += float64(a[i]) * float64(a[i])
		nb += float64(b[i]) * float64(b[i])
	}
	if na == 0 || nb == 0 {
		return 0
	}
	return dot / math.Sqrt(na*nb)
}

// record is one input line, kept field by field so output repeats it.
type record struct {
	fields map[string]json.RawMessage
	text   string
}

// stream reads JSONL records from r, classifies them in batches and writes
// them with their labels to w. It returns the number of records written.
func (c *classifier) stream(ctx context.Context, r io.Reader, w io.Writer, res *Result) (int, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxLineBytes)
	bw := bufio.NewWriter(w)
	var batch []record
	written, line := 0, 0
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		var texts []string
		var idx []int
		for i, rec := range batch {
			if strings.TrimSpace(rec.text) != "" {
				texts = append(texts, rec.text)
				idx = append(idx, i)
			}
		}
		preds := make([]*prediction, len(batch))
		if len(texts) > 0 {
			ps, err := c.predict(texts)
			if err != nil {
				return fmt.Errorf("classify with %s: %w", c.model, err)
			}
			for j, i := range idx {
				preds[i] = &ps[j]
			}
		}
		for i, rec := range batch {
			if err := c.writeRecord(bw, rec, preds[i], res); err != nil {
				return err
			}
			written++
		}
		batch = batch[:0]
		return nil
	}
	for sc.Scan() {
		line++
		raw := sc.Bytes()
		if len(strings.TrimSpace(string(raw))) == 0 {
			continue
		}
		rec := record{}
		if err := json.Unmarshal(raw, &rec.fields); err != nil {
			return written, fmt.Errorf("argument %q: line %d is not a JSON object: %v: %w", "input", line, err, tasks.ErrInvalidArgs)
		}
		rec.text = stringField(rec.fields, c.args.TextField)
		if strings.TrimSpace(rec.text) == "" {
			rec.text = stringField(rec.fields, "title")
		}
		batch = append(batch, rec)
		if len(batch) == c.args.BatchSize {
			if err := flush(); err != nil {
				return written, err
			}
		}
	}
	if err := sc.Err(); err != nil {
		return written, fmt.Errorf("read input line %d: %w", line+1, err)
	}
	if err := flush(); err != nil {
		return written, err
	}
	return written, bw.Flush()
}

func stringField(fields map[string]json.RawMessage, name string) string {
	var s string
	if raw, ok := fields[name]; ok {
		_ = json.Unmarshal(raw, &s) // a non-string field counts as no text
	}
	return s
}

// writeRecord writes rec with the prediction's fields added.
func (c *classifier) writeRecord(w io.Writer, rec record, p *prediction, res *Result) error {
	set := func(k string, v any) {
		b, _ := json.Marshal(v) // strings, numbers and slices of them always marshal
		rec.fields[k] = b
	}
	set("model", c.model)
	set("model_version", c.l.version)
	set("pipeline", c.args.Pipeline)
	switch {
	case p == nil:
		res.Skipped++
		set("label", nil)
		set("score", nil)
		set("labels", []LabelScore{})
	default:
		top := p.Top
		for i := range top {
			if math.IsNaN(top[i].Score) || math.IsInf(top[i].Score, 0) {
				top[i].Score = 0 // JSON has no NaN; a degenerate model output scores nothing
			}
		}
		sort.SliceStable(top, func(i, j int) bool { return top[i].Score > top[j].Score })
		if len(top) > c.args.TopK {
			top = top[:c.args.TopK]
		}
		if len(top) > 0 {
			set("label", top[0].Label)
			set("score", top[0].Score)
			res.Labels[top[0].Label]++
		} else {
			set("label", nil)
			set("score", nil)
		}
		set("labels", top)
		if p.Embedding != nil {
			set("embedding", p.Embedding)
		}
	}
	b, err := json.Marshal(rec.fields)
	if err != nil {
		return err
	}
	b = append(b, '\n')
	_, err = w.Write(b)
	return err
}
