package render

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"unicode"

	"github.com/signintech/gopdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
)

// DefaultCJKFontPaths are the TrueType fallback fonts looked for after the
// configured ones (if any). Every one that loads is used, in this order,
// unless the fonts before it already draw all its characters: Debian's
// fonts-droid-fallback DroidSansFallbackFull (Chinese, Japanese; no Hangul),
// the IPA and Japanese gothic fonts, fonts-nanum's NanumGothic and
// NanumBarunGothic (Korean Hangul), and last the smaller DroidSansFallback
// of fonts-droid-fallback, which has Hangul too and so covers Korean when
// fonts-nanum is missing. (fonts-noto-cjk ships OpenType/CFF collections,
// which the PDF library cannot embed.)
var DefaultCJKFontPaths = []string{
	"/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
	"/usr/share/fonts-droid-fallback/truetype/DroidSansFallbackFull.ttf",
	"/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf",
	"/usr/share/fonts/truetype/fonts-japanese-gothic.ttf",
	"/usr/share/fonts/truetype/nanum/NanumGothic.ttf",
	"/usr/share/fonts/truetype/nanum/NanumBarunGothic.ttf",
	"/usr/share/fonts/truetype/droid/DroidSansFallback.ttf",
	"/usr/share/fonts-droid-fallback/truetype/DroidSansFallback.ttf",
}

// DefaultFontDirs are the system font folders a task's font arguments may
// always name files in (see Config.FontDirs).
var DefaultFontDirs = []string{"/usr/share/fonts", "/usr/local/share/fonts"}

// Keys of the embedded fonts in the font cache.
const (
	goRegularKey = "embedded:goregular"
	goBoldKey    = "embedded:gobold"
)

// maxFontFile bounds the size of a font file read from disk.
const maxFontFile = 64 << 20

// maxCachedFonts bounds how many distinct fonts the cache keeps; fonts named
// beyond it are parsed per report.
const maxCachedFonts = 16

// face is one parsed TrueType font. It is immutable after parsing (apart from
// its glyph cache, which is safe for concurrent use) and shared by all the
// reports of a process.
type face struct {
	name   string // file path or embedded name, for messages
	family string // unique family name, the key in container
	// container holds the parsed font; each PDF document takes a cheap copy.
	container *gopdf.FontContainer
	// sub is a second parse used only for read-only cmap and width look-ups,
	// so coverage agrees with what the PDF library embeds.
	sub *gopdf.SubsetFontObj
	// src, for fonts of at least subsetMinGlyphs glyphs, is the font read
	// for subsetting: each document embeds a subset built from it instead of
	// the container's copy.
	src *ttfSource
	// ascii holds the look-ups of ASCII runes, filled at load.
	ascii [128]glyphInfo
	// glyphs caches look-ups of other BMP runes: rune → glyphInfo.
	glyphs sync.Map
}

// glyphInfo says whether a face has a glyph for a rune and its advance width
// in thousandths of the font size.
type glyphInfo struct {
	ok    bool
	gid   int
	width float64
}

// glyph looks r up in the font's cmap.
func (f *face) glyph(r rune) glyphInfo {
	if r >= 0 && r < 128 {
		return f.ascii[r]
	}
	if v, ok := f.glyphs.Load(r); ok {
		return v.(glyphInfo)
	}
	info := f.lookup(r)
	if r <= 0xFFFF {
		f.glyphs.Store(r, info)
	}
	return info
}

func (f *face) lookup(r rune) (info glyphInfo) {
	defer func() {
		if recover() != nil { // a malformed cmap: treat the rune as missing
			info = glyphInfo{}
		}
	}()
	gi, err := f.sub.CharCodeToGlyphIndex(r)
	if err != nil || gi == 0 {
		return glyphInfo{}
	}
	return glyphInfo{ok: true, gid: int(gi), width: float64(f.sub.GlyphIndexToPdfWidth(gi))}
}

// fontCache parses each font once and shares it. The zero value is not
// usable; use newFontCache.
type fontCache struct {
	mu      sync.Mutex
	entries map[string]*fontEntry
}

type fontEntry struct {
	once sync.Once
	face *face
	err  error
}

func newFontCache() *fontCache { return &fontCache{entries: map[string]*fontEntry{}} }

// get returns the face for key, parsing the data load returns on first use.
// Concurrent callers for the same key wait for one parse. Failures are not
// cached, so a font installed later is picked up.
func (c *fontCache) get(key string, load func() ([]byte, error)) (*face, error) {
	family := familyName(key)
	c.mu.Lock()
	e, ok := c.entries[key]
	if !ok {
		if len(c.entries) >= maxCachedFonts {
			c.mu.Unlock()
			return loadFace(key, family, load)
		}
		e = &fontEntry{}
		c.entries[key] = e
	}
	c.mu.Unlock()
	e.once.Do(func() { e.face, e.err = loadFace(key, family, load) })
	if e.err != nil {
		c.forget(key, e)
	}
	return e.face, e.err
}

// release drops key from the cache (a font parsed once and not needed).
func (c *fontCache) release(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.entries, key)
}

func (c *fontCache) forget(key string, e *fontEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries[key] == e {
		delete(c.entries, key)
	}
}

// familyName derives a stable PDF font name from a cache key: the file's
// base name (letters and digits only) and a hash of the whole key, so two
// fonts of one document never share a name and output is reproducible.
func familyName(key string) string {
	base := key[strings.LastIndexAny(key, "/:")+1:]
	base = strings.TrimSuffix(strings.TrimSuffix(base, ".ttf"), ".TTF")
	var b strings.Builder
	for _, r := range base {
		if b.Len() >= 40 {
			break
		}
		if r < 0x80 && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			b.WriteRune(r)
		}
	}
	h := fnv.New32a()
	_, _ = h.Write([]byte(key)) // a hash.Hash never fails
	return fmt.Sprintf("%s-%08x", b.String(), h.Sum32())
}

// embedded returns the Go regular or bold face.
func (c *fontCache) embedded(bold bool) (*face, error) {
	if bold {
		return c.get(goBoldKey, func() ([]byte, error) { return gobold.TTF, nil })
	}
	return c.get(goRegularKey, func() ([]byte, error) { return goregular.TTF, nil })
}

// file returns the face of the TrueType font at path.
func (c *fontCache) file(path string) (*face, error) {
	return c.get("file:"+path, func() ([]byte, error) { return readFontFile(path) })
}

// taskFont returns the face of the font file a task argument names: one of
// the configured fallback fonts, or a file inside the handler's font
// folders (symbolic links may not leave the folder). The error names the
// path, never what the file holds.
func (h *Handler) taskFont(name string) (*face, error) {
	for _, fb := range h.fallbacks {
		if fb.path == name {
			return fb.face, nil
		}
	}
	clean := filepath.Clean(name)
	if !filepath.IsAbs(clean) && !filepath.IsLocal(clean) {
		return nil, fmt.Errorf("%w: %q leaves the font folders", ErrFont, name)
	}
	for _, dir := range h.fontDirs {
		rel := clean
		if filepath.IsAbs(clean) {
			r, err := filepath.Rel(dir, clean)
			if err != nil || !filepath.IsLocal(r) {
				continue
			}
			rel = r
		}
		f, err := h.fonts.get("file:"+filepath.Join(dir, rel), func() ([]byte, error) { return readRootFile(dir, rel) })
		if errors.Is(err, fs.ErrNotExist) && !filepath.IsAbs(clean) {
			continue // a relative name may be in a later folder
		}
		return f, err
	}
	if filepath.IsAbs(clean) {
		return nil, fmt.Errorf("%w: %q is not in a font folder (%s; add folders with --fonts-dir)", ErrFont, name, strings.Join(h.fontDirs, ", "))
	}
	return nil, fmt.Errorf("%w: %q: no such file in the font folders (%s)", ErrFont, name, strings.Join(h.fontDirs, ", "))
}

// readRootFile reads the font file rel inside dir without following a
// symbolic link out of dir (os.Root).
func readRootFile(dir, rel string) ([]byte, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrFont, err)
	}
	defer root.Close()
	f, err := root.Open(rel)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrFont, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrFont, err)
	}
	path := filepath.Join(dir, rel)
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%w: %s is not a regular file", ErrFont, path)
	}
	if fi.Size() > maxFontFile {
		return nil, fmt.Errorf("%w: %s is larger than %d MiB", ErrFont, path, maxFontFile>>20)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxFontFile+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrFont, err)
	}
	return data, nil
}

func readFontFile(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrFont, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%w: %s is not a regular file", ErrFont, path)
	}
	if fi.Size() > maxFontFile {
		return nil, fmt.Errorf("%w: %s is larger than %d MiB", ErrFont, path, maxFontFile>>20)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrFont, err)
	}
	return data, nil
}

// loadFace loads and parses a font under a family name.
func loadFace(name, family string, load func() ([]byte, error)) (f *face, err error) {
	data, err := load()
	if err != nil {
		return nil, err
	}
	if err := checkTrueType(data); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrFont, name, err)
	}
	defer func() {
		if r := recover(); r != nil {
			f, err = nil, fmt.Errorf("%w: %s: font parser failed: %v", ErrFont, name, r)
		}
	}()
	opt := gopdf.TtfOption{Style: gopdf.Regular}
	fc := &gopdf.FontContainer{}
	if err := fc.AddTTFFontDataWithOption(family, data, opt); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrFont, name, err)
	}
	sub := &gopdf.SubsetFontObj{}
	sub.SetTtfFontOption(opt)
	sub.SetFamily(family)
	if err := sub.SetTTFData(data); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrFont, name, err)
	}
	f = &face{name: name, family: family, container: fc, sub: sub}
	if src, err := newTTFSource(data); err == nil && src.numGlyphs >= subsetMinGlyphs {
		f.src = src // otherwise documents embed the container's copy
	}
	for r := range f.ascii {
		f.ascii[r] = f.lookup(rune(r))
	}
	return f, nil
}

// checkTrueType verifies that data is a single TrueType font with the tables
// the PDF library needs, so that it fails with a clear message instead of
// deep inside the parser.
func checkTrueType(data []byte) error {
	if len(data) < 12 {
		return fmt.Errorf("file too short for a font")
	}
	switch tag := string(data[:4]); tag {
	case "\x00\x01\x00\x00", "true":
	case "OTTO":
		return fmt.Errorf("OpenType font with CFF outlines; a TrueType (glyf) font is required")
	case "ttcf":
		return fmt.Errorf("font collection (.ttc); a single TrueType font file is required")
	default:
		// The file's bytes are not echoed: a task could name any file.
		return fmt.Errorf("not a TrueType font (no TrueType signature)")
	}
	n := int(binary.BigEndian.Uint16(data[4:6]))
	if len(data) < 12+16*n {
		return fmt.Errorf("truncated table directory")
	}
	have := map[string]bool{}
	for i := range n {
		e := data[12+16*i : 12+16*(i+1)]
		off, size := uint64(binary.BigEndian.Uint32(e[8:12])), uint64(binary.BigEndian.Uint32(e[12:16]))
		if off+size > uint64(len(data)) {
			return fmt.Errorf("table %q lies outside the file", e[:4])
		}
		have[string(e[:4])] = true
	}
	for _, t := range []string{"cmap", "glyf", "head", "hhea", "hmtx", "loca", "maxp"} {
		if !have[t] {
			return fmt.Errorf("missing %q table", t)
		}
	}
	return nil
}
