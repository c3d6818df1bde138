package render

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/dagworker/dagworker/tasks"
)

// Argument defaults and limits.
const (
	// DefaultInputTask is the upstream task whose XCom names the input.
	DefaultInputTask = "classify"
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
	// output named by the XCom of InputTask.
	Input string `json:"input"`
	// InputTask is the upstream task whose XCom names the input when Input
	// is empty. Default "classify".
	InputTask string `json:"input_task"`
	// ExcerptChars is the excerpt length per page in characters, 0 to
	// MaxExcerptChars. Default DefaultExcerptChars.
	ExcerptChars *int `json:"excerpt_chars"`
	// MaxPages caps the report's page count, 1 to MaxMaxPages; pages beyond
	// it are left out and the report says so. Default DefaultMaxPages.
	MaxPages *int `json:"max_pages"`
	// Font is the path of a TrueType font for body text, tried before the
	// embedded Go fonts. Default: the Go fonts only.
	Font string `json:"font"`
	// CJKFont is the path of a TrueType CJK font for this task, replacing
	// the handler's configured one.
	CJKFont string `json:"cjk_font"`
}

// ArgNames returns the names of the arguments a render task accepts.
func ArgNames() []string {
	return []string{"title", "input", "input_task", "excerpt_chars", "max_pages", "font", "cjk_font"}
}

// params are validated arguments with defaults filled in.
type params struct {
	title     string
	inputKey  string // set when Args.Input is set
	inputTask string
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
		inputTask: a.InputTask,
		excerpt:   DefaultExcerptChars,
		maxPages:  DefaultMaxPages,
		font:      a.Font,
		cjkFont:   a.CJKFont,
	}
	if n := utf8.RuneCountInString(p.title); n > MaxTitleChars {
		return params{}, tasks.InvalidArg("title", "%d characters, at most %d allowed", n, MaxTitleChars)
	}
	if p.title == "" {
		p.title = defaultTitle(t.Info)
	}
	if a.Input != "" {
		key, err := inputKey(t.Lake, a.Input)
		if err != nil {
			return params{}, tasks.InvalidArg("input", "%v", err)
		}
		p.inputKey = key
	}
	if p.inputTask == "" {
		p.inputTask = DefaultInputTask
	}
	if err := tasks.CheckKeyPart(p.inputTask); err != nil {
		return params{}, tasks.InvalidArg("input_task", "not a task id: %v", err)
	}
	if a.ExcerptChars != nil {
		if *a.ExcerptChars < 0 || *a.ExcerptChars > MaxExcerptChars {
			return params{}, tasks.InvalidArg("excerpt_chars", "%d is outside 0..%d", *a.ExcerptChars, MaxExcerptChars)
		}
		p.excerpt = *a.ExcerptChars
	}
	if a.MaxPages != nil {
		if *a.MaxPages < 1 || *a.MaxPages > MaxMaxPages {
			return params{}, tasks.InvalidArg("max_pages", "%d is outside 1..%d", *a.MaxPages, MaxMaxPages)
		}
		p.maxPages = *a.MaxPages
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

// inputKey turns a key or a URI of the task's data lake into a validated key.
func inputKey(lake *tasks.Lake, s string) (string, error) {
	if lake == nil {
		return "", errors.New("the task has no data lake")
	}
	if prefix := lake.URI(""); strings.HasPrefix(s, prefix) {
		s = s[len(prefix):]
	} else if strings.Contains(s, "://") {
		return "", fmt.Errorf("%q is not in this data lake (%s)", s, prefix)
	}
	return tasks.JoinKey(strings.Split(s, "/")...)
}

// xcomOutput is the part of an upstream XCom that names its output: either
// {"output": {"key", "uri"}} or a value embedding tasks.Output.
type xcomOutput struct {
	Output *struct {
		Key string `json:"key"`
		URI string `json:"uri"`
	} `json:"output"`
	Key string `json:"key"`
	URI string `json:"uri"`
}

// upstreamKey finds the input key in the XCom of the input task.
func upstreamKey(ctx context.Context, t *tasks.Task, taskID string) (string, error) {
	if t.XCom == nil {
		return "", tasks.InvalidArg("input", "required when the task has no upstream tasks (ad-hoc run)")
	}
	raw, err := t.XCom(ctx, taskID)
	if err != nil {
		return "", fmt.Errorf("%w: xcom of task %q: %w", ErrInput, taskID, err)
	}
	var x xcomOutput
	if len(raw) == 0 || string(raw) == "null" || json.Unmarshal(raw, &x) != nil {
		return "", tasks.InvalidArg("input_task", "task %q returned no JSON object naming an output", taskID)
	}
	key, uri := x.Key, x.URI
	if x.Output != nil {
		key, uri = x.Output.Key, x.Output.URI
	}
	ref := key
	if ref == "" {
		ref = uri
	}
	if ref == "" {
		return "", tasks.InvalidArg("input_task", "the XCom of task %q names no output key or uri", taskID)
	}
	k, err := inputKey(t.Lake, ref)
	if err != nil {
		return "", tasks.InvalidArg("input_task", "the XCom of task %q: %v", taskID, err)
	}
	return k, nil
}
