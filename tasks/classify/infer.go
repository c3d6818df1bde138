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
	"github.com/dagworker/dagworker/tasks/classify/internal/hftok"
)

// Input bounds: one record, and the records read ahead so that batches
// can be formed from texts of similar length.
const (
	maxLineBytes   = 16 << 20
	windowBatches  = 8
	maxWindowBytes = 32 << 20
)

// tieEpsilon is how close the two best scores are for a record to count as
// low confidence: no label is assigned.
const tieEpsilon = 1e-6

// record is one input line, kept field by field so output repeats it.
type record struct {
	fields map[string]json.RawMessage
	text   string
}

// item is a record on its way through the model.
type item struct {
	rec  record
	encs []hftok.Encoding // one, or one pair per label (modeNLI)
	vecs [][]float32
	err  error
	skip bool
}

// stream reads JSONL records from r, classifies them and writes them with
// their labels to w, in input order. It returns the number of records
// written. A record the tokenizer or the model fails on is written with an
// "error" field; the task fails when every record with text failed or
// more than max_failed_fraction of them did.
func (c *classifier) stream(ctx context.Context, r io.Reader, w io.Writer, res *Result) (int, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxLineBytes)
	bw := bufio.NewWriter(w)
	var window []*item
	written, line, bytes := 0, 0, 0
	flush := func() error {
		if len(window) == 0 {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		c.process(window)
		for _, it := range window {
			if err := c.writeRecord(bw, it, res); err != nil {
				return err
			}
			written++
		}
		window, bytes = window[:0], 0
		return nil
	}
	for sc.Scan() {
		line++
		raw := sc.Bytes()
		if len(strings.TrimSpace(string(raw))) == 0 {
			continue
		}
		it := &item{}
		if err := json.Unmarshal(raw, &it.rec.fields); err != nil {
			return written, fmt.Errorf("argument %q: line %d is not a JSON object: %w: %w", "input", line, err, tasks.ErrInvalidArgs)
		}
		it.rec.text = stringField(it.rec.fields, c.args.TextField)
		if strings.TrimSpace(it.rec.text) == "" {
			it.rec.text = stringField(it.rec.fields, "title")
		}
		it.skip = strings.TrimSpace(it.rec.text) == ""
		window = append(window, it)
		bytes += len(raw)
		if len(window) >= c.args.BatchSize*windowBatches || bytes >= maxWindowBytes {
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
	if scored := written - res.Skipped; res.Failed > 0 &&
		(res.Failed == scored || float64(res.Failed) > c.args.maxFailed*float64(scored)) {
		return written, fmt.Errorf("classify with %s: %d of %d records failed (more than max_failed_fraction %g), first: %s",
			c.model, res.Failed, scored, c.args.maxFailed, res.FirstError)
	}
	return written, bw.Flush()
}

// process tokenizes and runs every item of a window.
func (c *classifier) process(window []*item) {
	var encs []hftok.Encoding
	var owner []*item
	for _, it := range window {
		if it.skip {
			continue
		}
		if c.mode == modeNLI {
			for _, h := range c.hypotheses {
				enc, err := c.encode(it.rec.text, &h)
				if err != nil {
					it.err = err
					break
				}
				it.encs = append(it.encs, enc)
			}
		} else {
			enc, err := c.encode(it.rec.text, nil)
			it.err = err
			it.encs = []hftok.Encoding{enc}
		}
		if it.err != nil {
			it.encs = nil
			continue
		}
		for _, e := range it.encs {
			encs = append(encs, e)
			owner = append(owner, it)
		}
	}
	vecs, errs := c.run(encs)
	for i, it := range owner {
		if errs[i] != nil && it.err == nil {
			it.err = errs[i]
		}
		it.vecs = append(it.vecs, vecs[i])
	}
}

// predict turns an item's output vectors into scored labels.
func (c *classifier) predict(it *item) prediction {
	var p prediction
	switch c.mode {
	case modeLogits:
		logits := it.vecs[0]
		var scores []float64
		if c.l.cfg.multiLabel() {
			for _, x := range logits {
				scores = append(scores, sigmoid(x))
			}
		} else {
			scores = softmax(logits)
		}
		for i, s := range scores {
			label := fmt.Sprintf("LABEL_%d", i)
			if i < len(c.labels) {
				label = c.labels[i]
			}
			p.Top = append(p.Top, LabelScore{Label: label, Score: s})
		}
	case modeNLI:
		// As transformers' zero-shot pipeline with multi_label=False: a
		// softmax over the labels of the entailment logits.
		ent := make([]float32, len(it.vecs))
		for i, v := range it.vecs {
			if c.entail < len(v) {
				ent[i] = v[c.entail]
			}
		}
		for i, s := range softmax(ent) {
			p.Top = append(p.Top, LabelScore{Label: c.args.Labels[i], Score: s})
		}
	default:
		v := it.vecs[0]
		if c.mode == modeEmbed {
			p.Embedding = v
		}
		for j, lv := range c.labelVecs {
			p.Top = append(p.Top, LabelScore{Label: c.args.Labels[j], Score: cosine(v, lv)})
		}
	}
	return p
}

func stringField(fields map[string]json.RawMessage, name string) string {
	var s string
	if raw, ok := fields[name]; ok {
		_ = json.Unmarshal(raw, &s) // a non-string field counts as no text
	}
	return s
}

// writeRecord writes the item's record with the prediction's fields added.
func (c *classifier) writeRecord(w io.Writer, it *item, res *Result) error {
	rec := it.rec
	set := func(k string, v any) {
		b, _ := json.Marshal(v) // strings, numbers and slices of them always marshal
		rec.fields[k] = b
	}
	set("model", c.model)
	set("model_version", c.l.version)
	set("pipeline", c.args.Pipeline)
	switch {
	case it.skip:
		res.Skipped++
		set("label", nil)
		set("score", nil)
		set("labels", []LabelScore{})
	case it.err != nil:
		res.Failed++
		if res.FirstError == "" {
			res.FirstError = it.err.Error()
		}
		set("label", nil)
		set("score", nil)
		set("labels", []LabelScore{})
		set("error", it.err.Error())
	default:
		p := c.predict(it)
		top := p.Top
		for i := range top {
			if math.IsNaN(top[i].Score) || math.IsInf(top[i].Score, 0) {
				top[i].Score = 0 // JSON has no NaN; a degenerate model output scores nothing
			}
		}
		sort.SliceStable(top, func(i, j int) bool { return top[i].Score > top[j].Score })
		tie := len(top) > 1 && top[0].Score-top[1].Score < tieEpsilon
		if len(top) > c.args.TopK {
			top = top[:c.args.TopK]
		}
		switch {
		case len(top) == 0:
			set("label", nil)
			set("score", nil)
		case tie:
			// Two labels score the same: the model cannot tell, so no label.
			res.LowConfidence++
			set("label", nil)
			set("score", top[0].Score)
			set("low_confidence", true)
		default:
			set("label", top[0].Label)
			set("score", top[0].Score)
			res.Labels[top[0].Label]++
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
