package hftok

import (
	"encoding/base64"
	"encoding/json"
	"fmt"

	"golang.org/x/text/unicode/norm"
)

func parseNormalizer(raw json.RawMessage) (normalizer, error) {
	typ, err := typeOf(raw, "normalizer")
	if err != nil {
		return nil, err
	}
	bad := func(err error) error {
		return fmt.Errorf("normalizer %q: %w", typ, err)
	}
	switch typ {
	case "BertNormalizer":
		c := struct {
			CleanText          *bool `json:"clean_text"`
			HandleChineseChars *bool `json:"handle_chinese_chars"`
			StripAccents       *bool `json:"strip_accents"`
			Lowercase          *bool `json:"lowercase"`
		}{}
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, bad(fmt.Errorf("%w: %w", ErrInvalid, err))
		}
		or := func(p *bool, d bool) bool {
			if p == nil {
				return d
			}
			return *p
		}
		n := bertNormalizer{cleanText: or(c.CleanText, true), chinese: or(c.HandleChineseChars, true),
			lowercase: or(c.Lowercase, true)}
		n.stripAccents = or(c.StripAccents, n.lowercase)
		return n, nil
	case "NFC":
		return unicodeForm{norm.NFC}, nil
	case "NFD":
		return unicodeForm{norm.NFD}, nil
	case "NFKC":
		return unicodeForm{norm.NFKC}, nil
	case "NFKD":
		return unicodeForm{norm.NFKD}, nil
	case "Lowercase":
		return lowercase{}, nil
	case "StripAccents":
		return stripAccents{}, nil
	case "Nmt":
		return nmt{}, nil
	case "ByteLevel":
		return byteLevelNorm{}, nil
	case "Strip":
		c := struct {
			Left  bool `json:"strip_left"`
			Right bool `json:"strip_right"`
		}{}
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, bad(fmt.Errorf("%w: %w", ErrInvalid, err))
		}
		return strip{left: c.Left, right: c.Right}, nil
	case "Prepend":
		c := struct {
			Prepend string `json:"prepend"`
		}{}
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, bad(fmt.Errorf("%w: %w", ErrInvalid, err))
		}
		return prepend{s: c.Prepend}, nil
	case "Replace":
		c := struct {
			Pattern pattern `json:"pattern"`
			Content string  `json:"content"`
		}{}
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, bad(fmt.Errorf("%w: %w", ErrInvalid, err))
		}
		r := replace{content: c.Content}
		switch {
		case c.Pattern.String != nil:
			r.literal = *c.Pattern.String
		case c.Pattern.Regex != nil:
			if r.re, err = compileOnig(*c.Pattern.Regex); err != nil {
				return nil, bad(err)
			}
		default:
			return nil, bad(fmt.Errorf("%w: no pattern", ErrInvalid))
		}
		return r, nil
	case "Precompiled":
		c := struct {
			Charsmap *string `json:"precompiled_charsmap"`
		}{}
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, bad(fmt.Errorf("%w: %w", ErrInvalid, err))
		}
		if c.Charsmap == nil {
			return nil, bad(fmt.Errorf("%w: no precompiled_charsmap", ErrInvalid))
		}
		blob, err := base64.StdEncoding.DecodeString(*c.Charsmap)
		if err != nil {
			return nil, bad(fmt.Errorf("%w: %w", ErrInvalid, err))
		}
		p, err := newPrecompiled(blob)
		if err != nil {
			return nil, bad(err)
		}
		return p, nil
	case "Sequence":
		c := struct {
			Normalizers []json.RawMessage `json:"normalizers"`
		}{}
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, bad(fmt.Errorf("%w: %w", ErrInvalid, err))
		}
		var seq normSequence
		for _, r := range c.Normalizers {
			n, err := parseNormalizer(r)
			if err != nil {
				return nil, err
			}
			seq = append(seq, n)
		}
		return seq, nil
	}
	return nil, fmt.Errorf("normalizer %q: %w", typ, ErrUnsupported)
}
