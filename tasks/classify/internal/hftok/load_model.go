package hftok

import (
	"encoding/json"
	"fmt"
	"strings"
)

func parseModel(raw json.RawMessage) (model, error) {
	typ, err := typeOf(raw, "model")
	if err != nil {
		return nil, err
	}
	if typ == "" {
		if typ, err = legacyModelType(raw); err != nil {
			return nil, err
		}
	}
	bad := func(err error) error {
		return fmt.Errorf("model %q: %w", typ, err)
	}
	switch typ {
	case "WordPiece":
		c := struct {
			Vocab    map[string]uint32 `json:"vocab"`
			Unk      *string           `json:"unk_token"`
			Prefix   *string           `json:"continuing_subword_prefix"`
			MaxChars *int              `json:"max_input_chars_per_word"`
		}{}
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, bad(fmt.Errorf("%w: %w", ErrInvalid, err))
		}
		unk, prefix, maxChars := "[UNK]", "##", 100
		if c.Unk != nil {
			unk = *c.Unk
		}
		if c.Prefix != nil {
			prefix = *c.Prefix
		}
		if c.MaxChars != nil {
			maxChars = *c.MaxChars
		}
		m, err := newWordPiece(c.Vocab, unk, prefix, maxChars)
		if err != nil {
			return nil, bad(err)
		}
		return m, nil
	case "BPE":
		c := struct {
			Vocab        map[string]uint32 `json:"vocab"`
			Merges       []json.RawMessage `json:"merges"`
			Dropout      *float64          `json:"dropout"`
			Unk          *string           `json:"unk_token"`
			Prefix       *string           `json:"continuing_subword_prefix"`
			Suffix       *string           `json:"end_of_word_suffix"`
			FuseUnk      bool              `json:"fuse_unk"`
			ByteFallback bool              `json:"byte_fallback"`
			IgnoreMerges bool              `json:"ignore_merges"`
		}{}
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, bad(fmt.Errorf("%w: %w", ErrInvalid, err))
		}
		if c.Dropout != nil && *c.Dropout != 0 {
			return nil, bad(fmt.Errorf("%w: dropout %v", ErrUnsupported, *c.Dropout))
		}
		cfg := bpeConfig{vocab: c.Vocab, fuseUnk: c.FuseUnk, byteFallback: c.ByteFallback, im: c.IgnoreMerges}
		if c.Unk != nil {
			cfg.unk, cfg.hasUnk = *c.Unk, true
		}
		if c.Prefix != nil {
			cfg.prefix = *c.Prefix
		}
		if c.Suffix != nil {
			cfg.suffix = *c.Suffix
		}
		for i, m := range c.Merges {
			var s string
			var pair []string
			switch {
			case json.Unmarshal(m, &s) == nil:
				parts := strings.Split(s, " ")
				if len(parts) != 2 {
					return nil, bad(fmt.Errorf("%w: merge %d %q is not two tokens", ErrInvalid, i, s))
				}
				cfg.merges = append(cfg.merges, [2]string{parts[0], parts[1]})
			case json.Unmarshal(m, &pair) == nil && len(pair) == 2:
				cfg.merges = append(cfg.merges, [2]string{pair[0], pair[1]})
			default:
				return nil, bad(fmt.Errorf("%w: merge %d", ErrInvalid, i))
			}
		}
		b, err := newBPE(cfg)
		if err != nil {
			return nil, bad(err)
		}
		return b, nil
	case "WordLevel":
		c := struct {
			Vocab map[string]uint32 `json:"vocab"`
			Unk   *string           `json:"unk_token"`
		}{}
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, bad(fmt.Errorf("%w: %w", ErrInvalid, err))
		}
		unk := "<unk>"
		if c.Unk != nil {
			unk = *c.Unk
		}
		return newWordLevel(c.Vocab, unk), nil
	case "Unigram":
		c := struct {
			Vocab        [][2]json.RawMessage `json:"vocab"`
			UnkID        *int                 `json:"unk_id"`
			ByteFallback bool                 `json:"byte_fallback"`
		}{}
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, bad(fmt.Errorf("%w: %w", ErrInvalid, err))
		}
		pieces := make([]string, len(c.Vocab))
		scores := make([]float64, len(c.Vocab))
		for i, v := range c.Vocab {
			if err := json.Unmarshal(v[0], &pieces[i]); err != nil {
				return nil, bad(fmt.Errorf("%w: vocab %d: %w", ErrInvalid, i, err))
			}
			if err := json.Unmarshal(v[1], &scores[i]); err != nil {
				return nil, bad(fmt.Errorf("%w: vocab %d: %w", ErrInvalid, i, err))
			}
		}
		u, err := newUnigram(pieces, scores, c.UnkID, c.ByteFallback)
		if err != nil {
			return nil, bad(err)
		}
		return u, nil
	}
	return nil, fmt.Errorf("model %q: %w", typ, ErrUnsupported)
}

// legacyModelType infers the type of a model written without "type", as
// the Rust untagged fallback does (BPE, WordPiece, WordLevel, Unigram).
func legacyModelType(raw json.RawMessage) (string, error) {
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(raw, &keys); err != nil {
		return "", fmt.Errorf("%w: model: %w", ErrInvalid, err)
	}
	vocab := strings.TrimSpace(string(keys["vocab"]))
	switch {
	case strings.HasPrefix(vocab, "["):
		return "Unigram", nil
	case !strings.HasPrefix(vocab, "{"):
		return "", fmt.Errorf("%w: model without type or vocab", ErrInvalid)
	case keys["merges"] != nil:
		return "BPE", nil
	case keys["unk_token"] != nil && keys["continuing_subword_prefix"] != nil && keys["max_input_chars_per_word"] != nil:
		return "WordPiece", nil
	}
	return "WordLevel", nil
}
