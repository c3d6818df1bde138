package hftok

import (
	"encoding/json"
	"fmt"
)

// Encoding is what a model receives for one input.
type Encoding struct{ IDs, TypeIDs, AttentionMask []uint32 }

// Processor is the part of a tokenizer.json applied after the model: the
// post_processor (special-token template) and truncation. It is shared with
// the Rust tokenizer path, which produces raw ids itself.
type Processor struct {
	steps []postStep
}

// segment is one sequence's ids and type ids during post-processing.
type segment struct{ ids, types []uint32 }

// postStep is one post-processor; it receives the single sequence or the
// pair and returns the sequences to concatenate.
type postStep interface {
	process(segs []segment) []segment
}

// LoadProcessor reads only the post_processor of a tokenizer.json.
func LoadProcessor(tokenizerJSON []byte) (*Processor, error) {
	var doc struct {
		PostProcessor json.RawMessage `json:"post_processor"`
	}
	if err := json.Unmarshal(tokenizerJSON, &doc); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	return newProcessor(doc.PostProcessor)
}

func newProcessor(raw json.RawMessage) (*Processor, error) {
	p := &Processor{}
	if isNull(raw) {
		return p, nil
	}
	step, err := parsePostStep(raw)
	if err != nil {
		return nil, err
	}
	if step != nil {
		p.steps = []postStep{step}
	}
	return p, nil
}

// Added returns the number of special tokens the template adds for a
// single input (pair=false) or a pair.
func (p *Processor) Added(pair bool) int {
	segs := []segment{{}}
	if pair {
		segs = append(segs, segment{})
	}
	n := 0
	for _, s := range p.apply(segs) {
		n += len(s.ids)
	}
	return n
}

func (p *Processor) apply(segs []segment) []segment {
	for _, st := range p.steps {
		segs = st.process(segs)
	}
	return segs
}

// Process truncates a (and b, when b != nil: a pair) to at most maxLen ids
// including the added special tokens, as HF's truncation with strategy
// longest_first, direction right, stride 0 does (maxLen <= 0: no
// truncation), then applies the post-processor template and returns ids,
// type ids and attention mask (all ones).
func (p *Processor) Process(a, b []uint32, maxLen int) Encoding {
	pair := b != nil
	if maxLen > 0 {
		limit := maxLen - p.Added(pair)
		if limit < 0 {
			limit = 0
		}
		a, b = truncateLongestFirst(a, b, limit)
	}
	segs := []segment{{ids: a, types: filled(len(a), 0)}}
	if pair {
		segs = append(segs, segment{ids: b, types: filled(len(b), 1)})
	}
	segs = p.apply(segs)
	var e Encoding
	for _, s := range segs {
		e.IDs = append(e.IDs, s.ids...)
		e.TypeIDs = append(e.TypeIDs, s.types...)
	}
	if e.IDs == nil {
		e.IDs, e.TypeIDs = []uint32{}, []uint32{}
	}
	e.AttentionMask = filled(len(e.IDs), 1)
	return e
}

// truncateLongestFirst keeps at most limit ids in a and b together.
func truncateLongestFirst(a, b []uint32, limit int) ([]uint32, []uint32) {
	if len(a)+len(b) <= limit {
		return a, b
	}
	if b == nil {
		return a[:limit], nil
	}
	n1, n2 := len(a), len(b)
	swap := n1 > n2
	if swap {
		n1, n2 = n2, n1
	}
	if n1 > limit {
		n2 = n1
	} else {
		n2 = max(n1, limit-n1)
	}
	if n1+n2 > limit {
		n1 = limit / 2
		n2 = n1 + limit%2
	}
	if swap {
		n1, n2 = n2, n1
	}
	return a[:min(n1, len(a))], b[:min(n2, len(b))]
}

func filled(n int, v uint32) []uint32 {
	s := make([]uint32, n)
	if v != 0 {
		for i := range s {
			s[i] = v
		}
	}
	return s
}

func isNull(raw json.RawMessage) bool {
	return len(raw) == 0 || string(raw) == "null"
}
