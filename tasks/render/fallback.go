package render

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// MaxFallbackFonts bounds the fallback fonts of a handler (configured and
// found together), so that they and the Go fonts stay within the font
// cache and a character no font has costs a bounded number of look-ups.
const MaxFallbackFonts = 8

// fallback is one font of a fallback chain: the path it was named by and
// its parsed face.
type fallback struct {
	path string
	face *face
}

// loadFallbacks resolves the handler's fallback chain: the configured fonts
// (CJKFontPath, then FallbackFontPaths), each of which must load, then every
// default candidate that loads and draws a character the fonts before it
// lack. A file named twice (also through a symbolic link) is used once.
func (h *Handler) loadFallbacks(cfg Config) error {
	var named []string
	if cfg.CJKFontPath != "" {
		named = append(named, cfg.CJKFontPath)
	}
	for _, p := range cfg.FallbackFontPaths {
		if p != "" {
			named = append(named, p)
		}
	}
	if len(named) > MaxFallbackFonts {
		return fmt.Errorf("%w: %d fallback fonts configured, at most %d", ErrFont, len(named), MaxFallbackFonts)
	}
	var infos []os.FileInfo
	dup := func(p string) bool {
		fi, err := os.Stat(p)
		if err != nil {
			return false // loading reports it
		}
		for _, prev := range infos {
			if os.SameFile(fi, prev) {
				return true
			}
		}
		infos = append(infos, fi)
		return false
	}
	for _, p := range named {
		if dup(p) {
			continue
		}
		f, err := h.fonts.file(p)
		if err != nil {
			return fmt.Errorf("fallback font: %w", err)
		}
		h.fallbacks = append(h.fallbacks, fallback{path: p, face: f})
	}
	candidates := cfg.CJKFontCandidates
	if candidates == nil {
		candidates = DefaultCJKFontPaths
	}
	goRegular, err := h.fonts.embedded(false)
	if err != nil {
		return err
	}
	for _, p := range candidates {
		if len(h.fallbacks) >= MaxFallbackFonts {
			break
		}
		if _, err := os.Stat(p); err != nil || dup(p) {
			continue
		}
		f, err := h.fonts.file(p)
		if err != nil {
			h.logger.Warn("render: fallback font skipped", "path", p, "error", err)
			continue
		}
		prior := []*face{goRegular}
		for _, fb := range h.fallbacks {
			prior = append(prior, fb.face)
		}
		if !addsCoverage(f, prior) {
			h.logger.Debug("render: fallback font skipped: the fonts before it draw all its characters", "path", p)
			h.fonts.release("file:" + p)
			continue
		}
		h.fallbacks = append(h.fallbacks, fallback{path: p, face: f})
	}
	if len(h.fallbacks) == 0 {
		h.logger.Warn("render: no fallback font found; CJK and Hangul text will be drawn as missing-glyph markers",
			"tried", strings.Join(candidates, ", "))
	}
	return nil
}

// addsCoverage reports whether f has a glyph for a character none of prior
// has. It looks characters up without filling the faces' glyph caches.
func addsCoverage(f *face, prior []*face) bool {
	covered := func(r rune) bool {
		for _, p := range prior {
			if p.lookup(r).ok {
				return true
			}
		}
		return false
	}
	p := f.sub.GetTTFParser()
	for c := range p.Chars() {
		if r := rune(c); r > ' ' && f.lookup(r).ok && !covered(r) {
			return true
		}
	}
	for _, g := range p.GroupingTables() {
		for c := max(g.StartCharCode, 0x10000); c <= g.EndCharCode && c <= 0x10FFFF; c++ {
			if !covered(rune(c)) {
				return true
			}
		}
	}
	return false
}

// fontNames returns the file names of fonts, for messages and results.
func fontNames(fbs []fallback) []string {
	names := make([]string, len(fbs))
	for i, fb := range fbs {
		names[i] = filepath.Base(fb.path)
	}
	return names
}
