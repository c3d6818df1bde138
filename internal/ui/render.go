package ui

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"
)

// parsePages parses every page template with the layout; fragments (the
// parts htmx refreshes) are defined inside the pages.
func parsePages() (map[string]*template.Template, error) {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	for _, n := range names {
		base := strings.TrimSuffix(path.Base(n), ".html")
		if base == "layout" {
			continue
		}
		t, err := template.New(base).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", n)
		if err != nil {
			return nil, fmt.Errorf("ui template %s: %w", n, err)
		}
		pages[base] = t
	}
	return pages, nil
}

// render executes a page (its "page" template inside the layout) into a
// buffer first, so a template error is a clean 500, not half a page.
func (u *UI) render(w http.ResponseWriter, _ *http.Request, status int, page string, data map[string]any) {
	u.execute(w, status, page, "layout", data)
}

// fragment executes one named template of a page (an htmx refresh).
func (u *UI) fragment(w http.ResponseWriter, page, name string, data map[string]any) {
	u.execute(w, http.StatusOK, page, name, data)
}

func (u *UI) execute(w http.ResponseWriter, status int, page, name string, data map[string]any) {
	t, ok := u.pages[page]
	if !ok {
		http.Error(w, "no page "+page, http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, name, data); err != nil {
		u.log.Error("ui template", "page", page, "template", name, "error", err)
		http.Error(w, "template error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// view renders a page for an authenticated request, adding who is logged
// in, whether they may act and the forms' CSRF token.
func (u *UI) view(w http.ResponseWriter, r *request, page string, data map[string]any) error {
	u.render(w, r.Request, http.StatusOK, page, u.withUser(r, data))
	return nil
}

func (u *UI) withUser(r *request, data map[string]any) map[string]any {
	if data == nil {
		data = map[string]any{}
	}
	data["Who"] = r.who
	data["CanTrigger"] = r.who.Can("trigger")
	data["CSRF"] = r.csrf
	data["HasQueues"] = u.monRO != nil
	data["HasTasks"] = u.cfg.Runner != nil
	data["Poll"] = fmt.Sprintf("every %s", u.cfg.PollInterval)
	return data
}

// stateColors are Airflow's state colours.
var stateColors = map[string]string{
	"success":           "#008000",
	"failed":            "#ff0000",
	"running":           "#00ff00",
	"queued":            "#808080",
	"scheduled":         "#d2b48c",
	"up_for_retry":      "#ffd700",
	"up_for_reschedule": "#40e0d0",
	"upstream_failed":   "#ffa500",
	"skipped":           "#ff69b4",
	"removed":           "#d3d3d3",
	"restarting":        "#ee82ee",
	"deferred":          "#9370db",
}

func stateColor(s string) string {
	if c, ok := stateColors[s]; ok {
		return c
	}
	return "#ffffff"
}

// finished reports whether a task or run state is final.
func finished(s string) bool {
	switch s {
	case "success", "failed", "skipped", "upstream_failed", "removed":
		return true
	}
	return false
}

var funcs = template.FuncMap{
	"color": stateColor,
	"state": func(s string) string {
		if s == "" {
			return "no status"
		}
		return s
	},
	"ts": func(t *time.Time) string {
		if t == nil || t.IsZero() {
			return ""
		}
		return t.UTC().Format("2006-01-02 15:04:05")
	},
	"tsv": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2006-01-02 15:04:05")
	},
	"dur": func(start, end *time.Time) string {
		if start == nil {
			return ""
		}
		e := time.Now()
		if end != nil {
			e = *end
		}
		return e.Sub(*start).Round(time.Millisecond).String()
	},
	"json":    prettyJSON,
	"esc":     url.PathEscape,
	"qesc":    url.QueryEscape,
	"derefs":  func(s *string) string { return derefString(s) },
	"hasKey":  func(m map[string]bool, k string) bool { return m[k] },
	"dagPath": func(dagID string) string { return "/dags/" + url.PathEscape(dagID) },
	"runPath": runPath,
}

func runPath(dagID, runID string) string {
	return "/dags/" + url.PathEscape(dagID) + "/runs/" + url.PathEscape(runID)
}

func derefString(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// prettyJSON indents a JSON value (raw bytes or any Go value).
func prettyJSON(v any) string {
	var raw []byte
	switch x := v.(type) {
	case json.RawMessage:
		raw = x
	case []byte:
		raw = x
	default:
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Sprint(v)
		}
		raw = b
	}
	if len(raw) == 0 {
		return ""
	}
	var buf bytes.Buffer
	if json.Indent(&buf, raw, "", "  ") != nil {
		return string(raw)
	}
	return buf.String()
}
