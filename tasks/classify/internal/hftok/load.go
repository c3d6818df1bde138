package hftok

import (
	"encoding/json"
	"fmt"
)

// fileSpec is the part of tokenizer.json that decides ids.
type fileSpec struct {
	AddedTokens []struct {
		ID         uint32 `json:"id"`
		Content    string `json:"content"`
		SingleWord bool   `json:"single_word"`
		LStrip     bool   `json:"lstrip"`
		RStrip     bool   `json:"rstrip"`
		Normalized bool   `json:"normalized"`
		Special    bool   `json:"special"`
	} `json:"added_tokens"`
	Normalizer    json.RawMessage `json:"normalizer"`
	PreTokenizer  json.RawMessage `json:"pre_tokenizer"`
	PostProcessor json.RawMessage `json:"post_processor"`
	Model         json.RawMessage `json:"model"`
}

// Load parses a tokenizer.json. Any component it cannot reproduce exactly
// is refused: the error wraps ErrUnsupported and names the component and
// its type (e.g. `normalizer "Precompiled": ...`). Never panics on any
// input.
func Load(tokenizerJSON []byte) (tk *Tokenizer, err error) {
	defer func() {
		if r := recover(); r != nil {
			tk, err = nil, fmt.Errorf("%w: %v", errPanic, r)
		}
	}()
	var spec fileSpec
	if err := json.Unmarshal(tokenizerJSON, &spec); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	t := &Tokenizer{added: make(map[string]uint32)}
	if !isNull(spec.Normalizer) {
		if t.norm, err = parseNormalizer(spec.Normalizer); err != nil {
			return nil, err
		}
	}
	if !isNull(spec.PreTokenizer) {
		if t.pre, err = parsePreTokenizer(spec.PreTokenizer); err != nil {
			return nil, err
		}
	}
	if isNull(spec.Model) {
		return nil, fmt.Errorf("%w: no model", ErrInvalid)
	}
	if t.model, err = parseModel(spec.Model); err != nil {
		return nil, err
	}
	if t.processor, err = newProcessor(spec.PostProcessor); err != nil {
		return nil, err
	}
	var raw, normed []addedToken
	for _, a := range spec.AddedTokens {
		at := addedToken{id: a.ID, content: a.Content, singleWord: a.SingleWord, lstrip: a.LStrip,
			rstrip: a.RStrip, normalized: a.Normalized, special: a.Special}
		if a.Content == "" {
			continue
		}
		t.added[a.Content] = a.ID
		t.maxAdded = max(t.maxAdded, a.ID)
		if a.Normalized {
			normed = append(normed, at)
		} else {
			raw = append(raw, at)
		}
	}
	t.rawSet = newAddedSet(raw, func(a addedToken) string { return a.content })
	t.normSet = newAddedSet(normed, func(a addedToken) string {
		if t.norm == nil {
			return a.content
		}
		return t.norm.normalize(a.content)
	})
	return t, nil
}

type typed struct {
	Type string `json:"type"`
}

func typeOf(raw json.RawMessage, what string) (string, error) {
	var h typed
	if err := json.Unmarshal(raw, &h); err != nil {
		return "", fmt.Errorf("%w: %s: %w", ErrInvalid, what, err)
	}
	return h.Type, nil
}

// pattern is the {"String": s} or {"Regex": r} of Split and Replace.
type pattern struct {
	String *string `json:"String"`
	Regex  *string `json:"Regex"`
}

func parseBehavior(s string) (behavior, bool) {
	switch s {
	case "Removed":
		return behRemoved, true
	case "Isolated":
		return behIsolated, true
	case "MergedWithPrevious":
		return behMergedWithPrevious, true
	case "MergedWithNext":
		return behMergedWithNext, true
	case "Contiguous":
		return behContiguous, true
	}
	return 0, false
}
