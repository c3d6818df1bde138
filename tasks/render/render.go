package render

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
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
	// CJKFontPath is the TrueType font used for Chinese, Japanese and Korean
	// text. Default: the first of CJKFontCandidates that loads. When set, it
	// must load, or New fails. The binary sets it from DAGWORKER_CJK_FONT.
	CJKFontPath string
	// CJKFontCandidates are tried in order when CJKFontPath is empty.
	// Default DefaultCJKFontPaths. Without a CJK font, CJK text is drawn as
	// missing-glyph markers and counted.
	CJKFontCandidates []string
	// Logger receives the handler's own messages. Default: discard.
	Logger *slog.Logger
}

// Handler is the render task type. It is safe for concurrent use; parsed
// fonts are shared by all its tasks.
type Handler struct {
	logger  *slog.Logger
	fonts   *fontCache
	cjkPath string // "" when no CJK font is available
}

// New returns a render Handler. It loads the CJK font once, so a bad
// CJKFontPath fails here rather than in every task.
func New(cfg Config) (*Handler, error) {
	h := &Handler{logger: cfg.Logger, fonts: newFontCache()}
	if h.logger == nil {
		h.logger = slog.New(slog.DiscardHandler)
	}
	for _, bold := range []bool{false, true} {
		if _, err := h.fonts.embedded(bold); err != nil {
			return nil, fmt.Errorf("render: embedded font: %w", err)
		}
	}
	if cfg.CJKFontPath != "" {
		if _, err := h.fonts.file(cfg.CJKFontPath); err != nil {
			return nil, fmt.Errorf("render: CJK font: %w", err)
		}
		h.cjkPath = cfg.CJKFontPath
		return h, nil
	}
	candidates := cfg.CJKFontCandidates
	if candidates == nil {
		candidates = DefaultCJKFontPaths
	}
	for _, p := range candidates {
		if _, err := h.fonts.file(p); err == nil {
			h.cjkPath = p
			break
		}
	}
	if h.cjkPath == "" {
		h.logger.Warn("render: no CJK font found; CJK text will be drawn as missing-glyph markers",
			"tried", strings.Join(candidates, ", "))
	}
	return h, nil
}

// CJKFont returns the path of the CJK font in use, or "" when none is.
func (h *Handler) CJKFont() string { return h.cjkPath }

// Result is the XCom return value of a render task.
type Result struct {
	tasks.Output `json:"output"`
	// Input is the URI of the classified.jsonl the report was made from.
	Input string `json:"input"`
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
	// CJKFont is the file name of the CJK font used ("" when none).
	CJKFont string `json:"cjk_font"`
}

// Run renders the report of one task try.
func (h *Handler) Run(ctx context.Context, t *tasks.Task) (any, error) {
	p, err := parseArgs(t)
	if err != nil {
		return nil, err
	}
	regular, bold, cjkPath, err := h.chains(p)
	if err != nil {
		return nil, err
	}
	key, err := tasks.ResolveInput(ctx, t, p.input, p.inputTask)
	if err != nil {
		if tasks.IsPermanent(err) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: %w", ErrInput, err)
	}
	data, err := h.read(ctx, t.Lake, key, p)
	if err != nil {
		return nil, err
	}
	l := &layout{regular: regular, bold: bold, maxPages: p.maxPages}
	rc := reportContent{
		title:      p.title,
		facts:      runFacts(t, t.Lake.URI(key), data, cjkPath),
		data:       data,
		footerLeft: footerText(t.Info),
	}
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
	res := Result{
		Output: out, Input: t.Lake.URI(key), PDFPages: len(l.pages),
		Items: data.total, ItemsShown: shown, Labels: len(data.stats), BadLines: data.badLines,
		MissingGlyphs: l.missing, Truncated: shown < data.total, CJKFont: filepath.Base(cjkPath),
	}
	if cjkPath == "" {
		res.CJKFont = ""
	}
	if res.MissingGlyphs > 0 && t.Logger != nil {
		t.Logger.Warn("render: characters without a glyph drawn as markers",
			"missing_glyphs", res.MissingGlyphs, "cjk_font", res.CJKFont)
	}
	return res, nil
}

// chains resolves the fonts of a task: body text tries the task's font,
// then Go Regular, then the CJK font; bold text Go Bold, the task's font,
// then the CJK font.
func (h *Handler) chains(p params) (regular, bold *chain, cjkPath string, err error) {
	goRegular, err := h.fonts.embedded(false)
	if err != nil {
		return nil, nil, "", err
	}
	goBold, err := h.fonts.embedded(true)
	if err != nil {
		return nil, nil, "", err
	}
	var custom, cjk *face
	if p.font != "" {
		if custom, err = h.fonts.file(p.font); err != nil {
			return nil, nil, "", tasks.InvalidArg("font", "%v", err)
		}
	}
	cjkPath = h.cjkPath
	if p.cjkFont != "" {
		cjkPath = p.cjkFont
	}
	if cjkPath != "" {
		if cjk, err = h.fonts.file(cjkPath); err != nil {
			if p.cjkFont != "" {
				return nil, nil, "", tasks.InvalidArg("cjk_font", "%v", err)
			}
			return nil, nil, "", err
		}
	}
	return newChain(custom, goRegular, cjk), newChain(goBold, custom, cjk), cjkPath, nil
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
func runFacts(t *tasks.Task, input string, d *dataset, cjkPath string) [][2]string {
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
	if cjkPath != "" {
		fonts += ", " + filepath.Base(cjkPath)
	} else {
		fonts += " (no CJK font installed)"
	}
	return [][2]string{
		{"DAG", clean(t.Info.DagID)},
		{"Run", clean(t.Info.RunID)},
		{"Logical date", date},
		{"Task", clean(task)},
		{"Input", clean(input)},
		{"Records", records},
		{"Model", strings.Join(models, "; ")},
		{"Fonts", fonts},
	}
}

// footerText is the left part of every page's footer.
func footerText(info tasks.Info) string {
	if info.DagID == "" {
		return "dagworker"
	}
	return clean(info.DagID + " · " + info.RunID)
}
