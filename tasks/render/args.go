package render

import (
	"unicode/utf8"

	"github.com/dagworker/dagworker/tasks"
)

// Argument defaults and limits.
const (
	// MaxInputs bounds the classified inputs of one report (a fan-in).
	MaxInputs = 16
	// DefaultExcerptChars is the excerpt length per page, in characters.
	DefaultExcerptChars = 600
	// MaxExcerptChars is the largest excerpt_chars accepted.
	MaxExcerptChars = 5000
	// DefaultMaxPages is the page cap of a report.
	DefaultMaxPages = 100
	// MaxMaxPages is the largest max_pages accepted.
	MaxMaxPages = 1000
	// MaxTitleChars is the longest title accepted, in characters.
	MaxTitleChars = 500
)

// Args are the arguments of a render task.
type Args struct {
	// Title of the report (a rendered template string). Default:
	// "<dag_id> report <logical date>".
	Title string `json:"title"`
	// Input is the data lake key or URI of classified.jsonl. Default: the
	// outputs of the upstream tasks (see InputTask).
	Input string `json:"input"`
	// InputTask names the upstream tasks whose classified outputs the
	// report shows: one id or a list. Default: every upstream task that
	// wrote classified records; several (a fan-in) get a section each, at
	// most MaxInputs.
	InputTask tasks.TaskIDs `json:"input_task"`
	// ExcerptChars is the excerpt length per page in characters, 0 to
	// MaxExcerptChars. Default DefaultExcerptChars.
	ExcerptChars *int `json:"excerpt_chars"`
	// MaxPages caps the report's page count, 1 to MaxMaxPages; pages beyond
	// it are left out and the report says so. Default DefaultMaxPages.
	MaxPages *int `json:"max_pages"`
	// Font is the path of a TrueType font for body text, tried before the
	// embedded Go fonts: inside the worker's font folders (--fonts-dir, the
	// system font folders), absolute or relative to one. Default: the Go
	// fonts only.
	Font string `json:"font"`
	// CJKFont is the path of a TrueType fallback font for this task (in the
	// font folders, as for font), tried before the handler's fallback fonts
	// (which still draw what it lacks).
	// Default: the handler's fallback fonts only.
	CJKFont string `json:"cjk_font"`
}

// ArgNames returns the names of the arguments a render task accepts.
func ArgNames() []string {
	return []string{"title", "input", "input_task", "excerpt_chars", "max_pages", "font", "cjk_font"}
}

// params are validated arguments with defaults filled in.
type params struct {
	title     string
	input     string // Args.Input as given
	inputTask tasks.TaskIDs
	excerpt   int
	maxPages  int
	font      string
	cjkFont   string
}

// parseArgs decodes and validates the task's arguments.
func parseArgs(t *tasks.Task) (params, error) {
	var a Args
	if err := tasks.DecodeArgs(t, &a); err != nil {
		return params{}, err
	}
	p := params{
		title:     clean(a.Title),
		input:     a.Input,
		inputTask: a.InputTask,
		font:      a.Font,
		cjkFont:   a.CJKFont,
	}
	if n := utf8.RuneCountInString(p.title); n > MaxTitleChars {
		return params{}, tasks.InvalidArg("title", "%d characters, at most %d allowed", n, MaxTitleChars)
	}
	if p.title == "" {
		p.title = defaultTitle(t.Info)
	}
	if err := p.inputTask.Check(); err != nil {
		return params{}, tasks.InvalidArg("input_task", "%v", err)
	}
	if len(p.inputTask) > 0 && p.input != "" {
		return params{}, tasks.InvalidArg("input_task", "give either input or input_task, not both")
	}
	var err error
	if p.excerpt, err = tasks.IntArg("excerpt_chars", a.ExcerptChars, DefaultExcerptChars, 0, MaxExcerptChars); err != nil {
		return params{}, err
	}
	if p.maxPages, err = tasks.IntArg("max_pages", a.MaxPages, DefaultMaxPages, 1, MaxMaxPages); err != nil {
		return params{}, err
	}
	return p, nil
}

func defaultTitle(info tasks.Info) string {
	name := info.DagID
	if name == "" {
		name = "dagworker"
	}
	if info.LogicalDate.IsZero() {
		return name + " report"
	}
	return name + " report " + info.LogicalDate.UTC().Format("2006-01-02")
}
