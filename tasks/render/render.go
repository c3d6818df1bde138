package render

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/signintech/gopdf"

	"github.com/dagworker/dagworker/tasks"
)

// OutputName is the name of the object a render task writes.
const OutputName = "report.pdf"

// entriesPerPage bounds how many records are kept in memory per allowed
// page: an entry takes at least itemMinHeight points, so no more fit.
const entriesPerPage = 16

// Config configures a Handler.
type Config struct {
	// FallbackFontPaths are TrueType fonts for the characters the Go fonts
	// lack (Chinese, Japanese, Korean, ...): each character is set in the
	// first font of the chain [Go fonts, fallback fonts] that has a glyph
	// for it. These configured fonts come first in the chain, before the
	// CJKFontCandidates found on the machine; each must load, or New fails.
	// At most MaxFallbackFonts (with CJKFontPath). Default: none. The binary
	// sets it from --cjk-font / DAGWORKER_CJK_FONT, a list of paths
	// separated by the OS path list separator (':' on Unix).
	FallbackFontPaths []string
	// CJKFontPath is the single-font form of FallbackFontPaths, kept for
	// compatibility: when set, it is the first fallback font and must load.
	// Default: none.
	CJKFontPath string
	// CJKFontCandidates are the fonts looked for after the configured ones:
	// every candidate that loads is appended to the chain, in order, unless
	// the fonts before it already draw all its characters. Default
	// DefaultCJKFontPaths; an empty non-nil slice looks for none. Characters
	// no font of the chain has are drawn as missing-glyph markers and
	// counted.
	CJKFontCandidates []string
	// FontDirs are the folders a task's font and cjk_font arguments may
	// name files in, besides DefaultFontDirs (the system font folders) and
	// the configured fallback fonts themselves: an absolute path must lie
	// in one of them, a relative one is looked up in each in turn, and a
	// symbolic link may not lead out of its folder. The binary sets it from
	// --fonts-dir / DAGWORKER_FONTS_DIR. Default: none.
	FontDirs []string
	// Logger receives the handler's own messages. Default: discard.
	Logger *slog.Logger
}

// Handler is the render task type. It is safe for concurrent use; parsed
// fonts are shared by all its tasks.
type Handler struct {
	logger    *slog.Logger
	fonts     *fontCache
	fallbacks []fallback // the fallback chain after the Go fonts, in order
	fontDirs  []string   // where a task's font arguments may point
}

// New returns a render Handler. It loads the fallback fonts once, so a bad
// configured font fails here rather than in every task.
func New(cfg Config) (*Handler, error) {
	h := &Handler{logger: cfg.Logger, fonts: newFontCache()}
	for _, d := range append(slices.Clone(cfg.FontDirs), DefaultFontDirs...) {
		if d == "" {
			continue
		}
		abs, err := filepath.Abs(d)
		if err != nil {
			return nil, fmt.Errorf("render: font folder %q: %w", d, err)
		}
		h.fontDirs = append(h.fontDirs, abs)
	}
	if h.logger == nil {
		h.logger = slog.New(slog.DiscardHandler)
	}
	for _, bold := range []bool{false, true} {
		if _, err := h.fonts.embedded(bold); err != nil {
			return nil, fmt.Errorf("render: embedded font: %w", err)
		}
	}
	if err := h.loadFallbacks(cfg); err != nil {
		return nil, fmt.Errorf("render: %w", err)
	}
	return h, nil
}

// CJKFont returns the path of the first fallback font, or "" when there is
// none.
func (h *Handler) CJKFont() string {
	if len(h.fallbacks) == 0 {
		return ""
	}
	return h.fallbacks[0].path
}

// FallbackFonts returns the paths of the fallback fonts, in the order they
// are tried after the Go fonts.
func (h *Handler) FallbackFonts() []string {
	paths := make([]string, len(h.fallbacks))
	for i, fb := range h.fallbacks {
		paths[i] = fb.path
	}
	return paths
}

// Result is the XCom return value of a render task.
type Result struct {
	tasks.Output `json:"output"`
	// Input is the URI of the (first) classified.jsonl the report was made
	// from; Inputs all of them, one report section each.
	Input  string   `json:"input"`
	Inputs []string `json:"inputs"`
	// PDFPages is the report's page count.
	PDFPages int `json:"pdf_pages"`
	// Items is the number of valid records in the input; ItemsShown how many
	// of them have an entry in the report (fewer when max_pages cut it).
	Items      int `json:"items"`
	ItemsShown int `json:"items_shown"`
	// Labels is the number of distinct labels.
	Labels int `json:"labels"`
	// BadLines counts input lines that were not JSON objects (skipped).
	BadLines int `json:"bad_lines"`
	// MissingGlyphs counts characters no font could draw; each is shown as
	// a visible marker.
	MissingGlyphs int `json:"missing_glyphs"`
	// Truncated is true when max_pages left records out.
	Truncated bool `json:"truncated"`
	// CJKFont is the file name of the first fallback font of the task's
	// chain ("" when none).
	CJKFont string `json:"cjk_font"`
	// FallbackFonts are the file names of the fallback fonts the report
	// uses (and embeds), in chain order; empty when the Go fonts drew
	// everything.
	FallbackFonts []string `json:"fallback_fonts"`
}

// Run renders the report of one task try.
func (h *Handler) Run(ctx context.Context, t *tasks.Task) (any, error) {
	p, err := parseArgs(t)
	if err != nil {
		return nil, err
	}
	regular, bold, fbs, err := h.chains(p)
	if err != nil {
		return nil, err
	}
	ins, err := tasks.ResolveInputs(ctx, t, p.input, p.inputTask, tasks.KindClassified)
	if err != nil {
		if tasks.IsPermanent(err) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: %w", ErrInput, err)
	}
	if len(ins) > MaxInputs {
		return nil, tasks.InvalidArg("input_task", "%d classified inputs, at most %d in one report", len(ins), MaxInputs)
	}
	rc := reportContent{title: p.title, footerLeft: footerText(t.Info)}
	var uris []string
	for _, in := range ins {
		d, err := h.read(ctx, t.Lake, in.Key, p)
		if err != nil {
			return nil, err
		}
		rc.sections = append(rc.sections, section{task: in.Task, uri: t.Lake.URI(in.Key), data: d})
		uris = append(uris, t.Lake.URI(in.Key))
	}
	data := rc.merged()
	rc.failed, rc.failedN = upstreamFailures(ctx, t.XCom, rc.sections)
	if rc.compared, err = compare(ctx, t.Lake, t.Info, rc.sections); err != nil && t.Logger != nil {
		// the comparison is a convenience: the report goes out without it
		t.Logger.Warn("render: no comparison with the previous run", "error", err.Error())
	}
	rc.facts = runFacts(t, strings.Join(uris, ", "), data, fbs)
	l := &layout{regular: regular, bold: bold, maxPages: p.maxPages}
	shown, err := build(ctx, rc, l)
	if err != nil {
		return nil, err
	}
	info := gopdf.PdfInfo{Title: p.title, Subject: footerText(t.Info), Creator: "dagworker render"}
	out, err := t.Lake.WriteOutput(ctx, t.Info, OutputName, "application/pdf", func(w io.Writer) (int, error) {
		return shown, draw(w, l, info)
	})
	if err != nil {
		return nil, fmt.Errorf("render report: %w", err)
	}
	out.Kind = tasks.KindReport
	res := Result{
		Output: out, Input: uris[0], Inputs: uris, PDFPages: len(l.pages),
		Items: data.total, ItemsShown: shown, Labels: len(data.stats), BadLines: data.badLines,
		MissingGlyphs: l.missing, Truncated: shown < data.total, FallbackFonts: []string{},
	}
	if len(fbs) > 0 {
		res.CJKFont = filepath.Base(fbs[0].path)
	}
	used := usedFaces(l)
	for _, fb := range fbs {
		if used[fb.face] {
			res.FallbackFonts = append(res.FallbackFonts, filepath.Base(fb.path))
		}
	}
	if res.MissingGlyphs > 0 && t.Logger != nil {
		t.Logger.Warn("render: characters without a glyph drawn as markers",
			"missing_glyphs", res.MissingGlyphs, "fallback_fonts", strings.Join(fontNames(fbs), ", "))
	}
	return res, nil
}

// chains resolves the fonts of a task: body text tries the task's font,
// then Go Regular, then the fallback fonts; bold text Go Bold, the task's
// font, then the fallback fonts. The task's cjk_font is the first fallback
// font, before the handler's.
func (h *Handler) chains(p params) (regular, bold *chain, fbs []fallback, err error) {
	goRegular, err := h.fonts.embedded(false)
	if err != nil {
		return nil, nil, nil, err
	}
	goBold, err := h.fonts.embedded(true)
	if err != nil {
		return nil, nil, nil, err
	}
	var custom *face
	if p.font != "" {
		if custom, err = h.taskFont(p.font); err != nil {
			return nil, nil, nil, tasks.InvalidArg("font", "%v", err)
		}
	}
	fbs = h.fallbacks
	if p.cjkFont != "" {
		f, err := h.taskFont(p.cjkFont)
		if err != nil {
			return nil, nil, nil, tasks.InvalidArg("cjk_font", "%v", err)
		}
		fbs = append([]fallback{{path: p.cjkFont, face: f}}, withoutFace(h.fallbacks, f)...)
	}
	regularFaces := []*face{custom, goRegular}
	boldFaces := []*face{goBold, custom}
	for _, fb := range fbs {
		regularFaces = append(regularFaces, fb.face)
		boldFaces = append(boldFaces, fb.face)
	}
	return newChain(regularFaces...), newChain(boldFaces...), fbs, nil
}

// withoutFace returns fbs without the entries of face f.
func withoutFace(fbs []fallback, f *face) []fallback {
	out := make([]fallback, 0, len(fbs))
	for _, fb := range fbs {
		if fb.face != f {
			out = append(out, fb)
		}
	}
	return out
}

// read loads the input records.
func (h *Handler) read(ctx context.Context, lake *tasks.Lake, key string, p params) (*dataset, error) {
	r, err := lake.Open(ctx, key)
	if err != nil {
		if errors.Is(err, tasks.ErrNotFound) && p.input != "" {
			return nil, tasks.InvalidArg("input", "%v", err)
		}
		return nil, fmt.Errorf("%w: %w", ErrInput, err)
	}
	defer r.Close()
	data, err := readInput(ctx, r, p.maxPages*entriesPerPage, p.excerpt)
	if err != nil {
		return nil, fmt.Errorf("%w: read %s: %w", ErrInput, lake.URI(key), err)
	}
	return data, nil
}

// runFacts lists the run's facts shown under the title.
func runFacts(t *tasks.Task, input string, d *dataset, fbs []fallback) [][2]string {
	date := ""
	if !t.Info.LogicalDate.IsZero() {
		date = t.Info.LogicalDate.UTC().Format(time.RFC3339)
	}
	task := t.Info.TaskID
	if t.Info.Try > 0 {
		task += " (try " + strconv.Itoa(t.Info.Try) + ")"
	}
	records := fmt.Sprintf("%d pages, %d labels", d.total, len(d.stats))
	if d.badLines > 0 {
		records += fmt.Sprintf(", %d unreadable lines skipped", d.badLines)
	}
	models := make([]string, 0, len(d.models))
	for m := range d.models {
		models = append(models, m)
	}
	sort.Strings(models)
	fonts := "Go Regular, Go Bold"
	if len(fbs) > 0 {
		fonts += ", " + strings.Join(fontNames(fbs), ", ")
	} else {
		fonts += " (no CJK font installed)"
	}
	facts := [][2]string{
		{"DAG", clean(t.Info.DagID)},
		{"Run", clean(t.Info.RunID)},
		{"Logical date", date},
		{"Task", clean(task)},
		{"Input", clean(input)},
		{"Records", records},
		{"Model", strings.Join(models, "; ")},
		{"Fonts", fonts},
	}
	if f := unshapedFact(d.unshaped, d.unshapedPages); f != "" {
		facts = append(facts, [2]string{"Not shaped", f})
	}
	return facts
}

// footerText is the left part of every page's footer.
func footerText(info tasks.Info) string {
	if info.DagID == "" {
		return "dagworker"
	}
	return clean(info.DagID + " · " + info.RunID)
}
