package hftok

import (
	"encoding/json"
	"fmt"
)

func parsePostStep(raw json.RawMessage) (postStep, error) {
	var head struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		return nil, fmt.Errorf("%w: post_processor: %w", ErrInvalid, err)
	}
	switch head.Type {
	case "BertProcessing", "RobertaProcessing":
		var c struct {
			Sep [2]json.RawMessage `json:"sep"`
			Cls [2]json.RawMessage `json:"cls"`
		}
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, fmt.Errorf("%w: post_processor %q: %w", ErrInvalid, head.Type, err)
		}
		var sep, cls uint32
		if err := json.Unmarshal(c.Sep[1], &sep); err != nil {
			return nil, fmt.Errorf("%w: post_processor %q sep: %w", ErrInvalid, head.Type, err)
		}
		if err := json.Unmarshal(c.Cls[1], &cls); err != nil {
			return nil, fmt.Errorf("%w: post_processor %q cls: %w", ErrInvalid, head.Type, err)
		}
		return clsSep{cls: cls, sep: sep, roberta: head.Type == "RobertaProcessing"}, nil
	case "ByteLevel":
		return nil, nil
	case "TemplateProcessing":
		return parseTemplate(raw)
	case "Sequence":
		var c struct {
			Processors []json.RawMessage `json:"processors"`
		}
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, fmt.Errorf("%w: post_processor \"Sequence\": %w", ErrInvalid, err)
		}
		var seq postSequence
		for _, r := range c.Processors {
			st, err := parsePostStep(r)
			if err != nil {
				return nil, err
			}
			if st != nil {
				seq = append(seq, st)
			}
		}
		return seq, nil
	}
	return nil, fmt.Errorf("%w: post_processor %q", ErrUnsupported, head.Type)
}

type postSequence []postStep

func (q postSequence) process(segs []segment) []segment {
	for _, st := range q {
		segs = st.process(segs)
	}
	return segs
}

// clsSep is BertProcessing ([CLS] A [SEP] B [SEP], B's type ids 1) and
// RobertaProcessing (<s> A </s> </s> B </s>, all type ids 0).
type clsSep struct {
	cls, sep uint32
	roberta  bool
}

func (c clsSep) process(segs []segment) []segment {
	a := segs[0]
	first := segment{
		ids:   concat([]uint32{c.cls}, a.ids, []uint32{c.sep}),
		types: concat([]uint32{0}, a.types, []uint32{0}),
	}
	if c.roberta {
		first.types = filled(len(first.ids), 0)
	}
	if len(segs) < 2 {
		return []segment{first}
	}
	b := segs[1]
	var second segment
	if c.roberta {
		second.ids = concat([]uint32{c.sep}, b.ids, []uint32{c.sep})
		second.types = filled(len(second.ids), 0)
	} else {
		second.ids = concat(b.ids, []uint32{c.sep})
		second.types = concat(b.types, []uint32{1})
	}
	return []segment{first, second}
}

// template is TemplateProcessing.
type template struct {
	single, pair []templateItem
}

type templateItem struct {
	seq    int // 0: A, 1: B, -1: special token
	ids    []uint32
	typeID uint32
}

func parseTemplate(raw json.RawMessage) (postStep, error) {
	type item struct {
		Sequence *struct {
			ID     string `json:"id"`
			TypeID uint32 `json:"type_id"`
		} `json:"Sequence"`
		SpecialToken *struct {
			ID     string `json:"id"`
			TypeID uint32 `json:"type_id"`
		} `json:"SpecialToken"`
	}
	var c struct {
		Single        []item `json:"single"`
		Pair          []item `json:"pair"`
		SpecialTokens map[string]struct {
			IDs []uint32 `json:"ids"`
		} `json:"special_tokens"`
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, fmt.Errorf("%w: post_processor \"TemplateProcessing\": %w", ErrInvalid, err)
	}
	conv := func(items []item) ([]templateItem, error) {
		var out []templateItem
		for _, it := range items {
			switch {
			case it.Sequence != nil:
				seq := 0
				switch it.Sequence.ID {
				case "A":
				case "B":
					seq = 1
				default:
					return nil, fmt.Errorf("%w: TemplateProcessing sequence %q", ErrInvalid, it.Sequence.ID)
				}
				out = append(out, templateItem{seq: seq, typeID: it.Sequence.TypeID})
			case it.SpecialToken != nil:
				st, ok := c.SpecialTokens[it.SpecialToken.ID]
				if !ok {
					return nil, fmt.Errorf("%w: TemplateProcessing special token %q missing", ErrInvalid, it.SpecialToken.ID)
				}
				out = append(out, templateItem{seq: -1, ids: st.IDs, typeID: it.SpecialToken.TypeID})
			default:
				return nil, fmt.Errorf("%w: TemplateProcessing item", ErrInvalid)
			}
		}
		return out, nil
	}
	single, err := conv(c.Single)
	if err != nil {
		return nil, err
	}
	pair, err := conv(c.Pair)
	if err != nil {
		return nil, err
	}
	return template{single: single, pair: pair}, nil
}

func (t template) process(segs []segment) []segment {
	items := t.single
	if len(segs) > 1 {
		items = t.pair
	}
	var out segment
	for _, it := range items {
		if it.seq < 0 {
			out.ids = append(out.ids, it.ids...)
			out.types = append(out.types, filled(len(it.ids), it.typeID)...)
			continue
		}
		if it.seq >= len(segs) {
			continue
		}
		s := segs[it.seq]
		out.ids = append(out.ids, s.ids...)
		out.types = append(out.types, filled(len(s.ids), it.typeID)...)
	}
	return []segment{out}
}

func concat(parts ...[]uint32) []uint32 {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	out := make([]uint32, 0, n)
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}
