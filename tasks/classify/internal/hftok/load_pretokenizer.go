package hftok

import (
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

func parsePreTokenizer(raw json.RawMessage) (preTokenizer, error) {
	typ, err := typeOf(raw, "pre_tokenizer")
	if err != nil {
		return nil, err
	}
	bad := func(err error) error {
		return fmt.Errorf("pre_tokenizer %q: %w", typ, err)
	}
	switch typ {
	case "BertPreTokenizer":
		return bertPre{}, nil
	case "Whitespace":
		return whitespacePre{}, nil
	case "WhitespaceSplit":
		return whitespaceSplit{}, nil
	case "ByteLevel":
		c := struct {
			AddPrefixSpace *bool `json:"add_prefix_space"`
			UseRegex       *bool `json:"use_regex"`
		}{}
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, bad(fmt.Errorf("%w: %w", ErrInvalid, err))
		}
		b := byteLevelPre{addPrefixSpace: true, useRegex: true}
		if c.AddPrefixSpace != nil {
			b.addPrefixSpace = *c.AddPrefixSpace
		}
		if c.UseRegex != nil {
			b.useRegex = *c.UseRegex
		}
		return b, nil
	case "Metaspace":
		c := struct {
			Replacement    *string `json:"replacement"`
			PrependScheme  *string `json:"prepend_scheme"`
			AddPrefixSpace *bool   `json:"add_prefix_space"`
			Split          *bool   `json:"split"`
		}{}
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, bad(fmt.Errorf("%w: %w", ErrInvalid, err))
		}
		rep := "▁"
		if c.Replacement != nil {
			rep = *c.Replacement
		}
		scheme := prependAlways
		if c.PrependScheme != nil {
			switch *c.PrependScheme {
			case "always":
			case "first":
				scheme = prependFirst
			case "never":
				scheme = prependNever
			default:
				return nil, bad(fmt.Errorf("%w: prepend_scheme %q", ErrUnsupported, *c.PrependScheme))
			}
		} else if c.AddPrefixSpace != nil && !*c.AddPrefixSpace {
			scheme = prependNever
		}
		split := true
		if c.Split != nil {
			split = *c.Split
		}
		m, ok := newMetaspace(rep, scheme, split)
		if !ok {
			return nil, bad(fmt.Errorf("%w: replacement %q is not one character", ErrInvalid, rep))
		}
		return m, nil
	case "CharDelimiterSplit":
		c := struct {
			Delimiter string `json:"delimiter"`
		}{}
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, bad(fmt.Errorf("%w: %w", ErrInvalid, err))
		}
		if utf8.RuneCountInString(c.Delimiter) != 1 {
			return nil, bad(fmt.Errorf("%w: delimiter %q is not one character", ErrInvalid, c.Delimiter))
		}
		return splitPre{literal: c.Delimiter, b: behRemoved}, nil
	case "Punctuation":
		c := struct {
			Behavior string `json:"behavior"`
		}{Behavior: "Isolated"}
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, bad(fmt.Errorf("%w: %w", ErrInvalid, err))
		}
		b, ok := parseBehavior(c.Behavior)
		if !ok {
			return nil, bad(fmt.Errorf("%w: behavior %q", ErrUnsupported, c.Behavior))
		}
		return punctuation{b: b}, nil
	case "Digits":
		c := struct {
			Individual bool `json:"individual_digits"`
		}{}
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, bad(fmt.Errorf("%w: %w", ErrInvalid, err))
		}
		return digits{individual: c.Individual}, nil
	case "Split":
		c := struct {
			Pattern  pattern `json:"pattern"`
			Behavior string  `json:"behavior"`
			Invert   bool    `json:"invert"`
		}{}
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, bad(fmt.Errorf("%w: %w", ErrInvalid, err))
		}
		b, ok := parseBehavior(c.Behavior)
		if !ok {
			return nil, bad(fmt.Errorf("%w: behavior %q", ErrUnsupported, c.Behavior))
		}
		sp := splitPre{b: b, invert: c.Invert}
		switch {
		case c.Pattern.String != nil:
			sp.literal = *c.Pattern.String
		case c.Pattern.Regex != nil:
			if sp.re, err = compileOnig(*c.Pattern.Regex); err != nil {
				return nil, bad(err)
			}
		default:
			return nil, bad(fmt.Errorf("%w: no pattern", ErrInvalid))
		}
		return sp, nil
	case "Sequence":
		c := struct {
			PreTokenizers []json.RawMessage `json:"pretokenizers"`
		}{}
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, bad(fmt.Errorf("%w: %w", ErrInvalid, err))
		}
		var seq preSequence
		for _, r := range c.PreTokenizers {
			p, err := parsePreTokenizer(r)
			if err != nil {
				return nil, err
			}
			seq = append(seq, p)
		}
		return seq, nil
	}
	return nil, fmt.Errorf("pre_tokenizer %q: %w", typ, ErrUnsupported)
}
