package deploy

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/common/model"
	"sigs.k8s.io/yaml"
)

// ruleFile mirrors Prometheus's rule file format (model/rulefmt); decoding
// is strict, so a misspelt or misplaced field is an error.
type ruleFile struct {
	Groups []struct {
		Name     string `json:"name"`
		Interval string `json:"interval,omitempty"`
		Rules    []struct {
			Alert         string            `json:"alert,omitempty"`
			Record        string            `json:"record,omitempty"`
			Expr          string            `json:"expr"`
			For           string            `json:"for,omitempty"`
			KeepFiringFor string            `json:"keep_firing_for,omitempty"`
			Labels        map[string]string `json:"labels,omitempty"`
			Annotations   map[string]string `json:"annotations,omitempty"`
		} `json:"rules"`
	} `json:"groups"`
}

// dashboard is the part of a Grafana dashboard the checks read.
type dashboard struct {
	UID           string `json:"uid"`
	Title         string `json:"title"`
	SchemaVersion int    `json:"schemaVersion"`
	Templating    struct {
		List []struct {
			Name       string          `json:"name"`
			Type       string          `json:"type"`
			Query      json.RawMessage `json:"query"`
			Definition string          `json:"definition"`
		} `json:"list"`
	} `json:"templating"`
	Panels []grafanaPanel `json:"panels"`
}

type grafanaPanel struct {
	ID         int             `json:"id"`
	Type       string          `json:"type"`
	Title      string          `json:"title"`
	Datasource json.RawMessage `json:"datasource"`
	GridPos    struct{ X, Y, W, H int }
	Targets    []struct {
		RefID      string          `json:"refId"`
		Expr       string          `json:"expr"`
		Datasource json.RawMessage `json:"datasource"`
	} `json:"targets"`
}

// exportedMetrics reads observability/metrics.txt: metric name → type.
func exportedMetrics(t *testing.T) map[string]string {
	t.Helper()
	f, err := os.Open(filepath.Join("observability", "metrics.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, typ, ok := strings.Cut(line, " ")
		if !ok || !slices.Contains([]string{"counter", "gauge", "histogram", "summary"}, typ) {
			t.Fatalf("metrics.txt: %q is not \"<name> <type>\"", line)
		}
		out[name] = typ
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// knownSeries says whether name is a series of an exported metric (a
// histogram's _bucket, _sum and _count included) or Prometheus's own up.
func knownSeries(metrics map[string]string, name string) bool {
	if _, ok := metrics[name]; ok || name == "up" {
		return true
	}
	for _, suffix := range []string{"_bucket", "_sum", "_count"} {
		if base, ok := strings.CutSuffix(name, suffix); ok && metrics[base] == "histogram" {
			return true
		}
	}
	return false
}

var (
	promStrings  = regexp.MustCompile(`"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|` + "`[^`]*`")
	promMatchers = regexp.MustCompile(`\{[^{}]*\}`)
	promRanges   = regexp.MustCompile(`\[[^\[\]]*\]`)
	promClauses  = regexp.MustCompile(`\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)`)
	promNumbers  = regexp.MustCompile(`(^|[^\w:.])(?:0x[0-9a-fA-F]+|\d+(?:\.\d*)?(?:[eE][+-]?\d+)?[a-z]*)`)
	promIdents   = regexp.MustCompile(`[a-zA-Z_:][a-zA-Z0-9_:]*\s*\(?`)
	promKeywords = []string{"and", "or", "unless", "bool", "offset", "group_left", "group_right", "on", "ignoring",
		"by", "without", "inf", "nan", "Inf", "NaN"}
)

// metricNames returns the metric names a PromQL expression selects: every
// identifier that is not a function or aggregation (followed by "("), a
// keyword, a label inside {...} or a by/without/on/ignoring clause, a
// string, a number or a duration. It is a tokenizer, not a parser, which
// is enough to find every metric an expression names (the test is meant to
// fail on a misspelt or unexported one).
func metricNames(expr string) ([]string, error) {
	if strings.Count(expr, "(") != strings.Count(expr, ")") || strings.Count(expr, "{") != strings.Count(expr, "}") ||
		strings.Count(expr, "[") != strings.Count(expr, "]") {
		return nil, fmt.Errorf("unbalanced brackets in %q", expr)
	}
	s := promStrings.ReplaceAllString(expr, `""`)
	s = promMatchers.ReplaceAllString(s, " ")
	s = promRanges.ReplaceAllString(s, " ")
	s = promClauses.ReplaceAllString(s, " ")
	s = promNumbers.ReplaceAllString(s, "$1 ")
	var out []string
	for _, tok := range promIdents.FindAllString(s, -1) {
		tok = strings.TrimSpace(tok)
		if strings.HasSuffix(tok, "(") || slices.Contains(promKeywords, tok) {
			continue
		}
		out = append(out, tok)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no metric in %q", expr)
	}
	return out, nil
}

func TestMetricNames(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		expr string
		want []string
	}{
		{`up{job="dagworker"} == 0`, []string{"up"}},
		{`sum by (kind) (increase(a_total{kind=~"x|y"}[1h])) > 1e3`, []string{"a_total"}},
		{`histogram_quantile(0.99, sum by (le) (rate(h_bucket[$__rate_interval])))`, []string{"h_bucket"}},
		{"a and on () sum(rate(b[10m] offset 1h)) == 0 or c / ignoring(x) d", []string{"a", "b", "c", "d"}},
		{`max(m{l="on (x)"}) < bool 1`, []string{"m"}},
	} {
		got, err := metricNames(c.expr)
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("metricNames(%q) = %v, %v; want %v", c.expr, got, err, c.want)
		}
	}
	for _, bad := range []string{`sum(rate(x[5m])`, `1 + 2`} {
		if _, err := metricNames(bad); err == nil {
			t.Errorf("metricNames(%q): no error", bad)
		}
	}
}

// TestAlertRules decodes alerts.yaml strictly and checks each rule: a
// unique CamelCase name, a duration in for, a severity, a summary and a
// description, and an expression that names only exported metrics.
func TestAlertRules(t *testing.T) {
	t.Parallel()
	metrics := exportedMetrics(t)
	data, err := os.ReadFile(filepath.Join("observability", "alerts.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var rf ruleFile
	if err := yaml.UnmarshalStrict(data, &rf); err != nil {
		t.Fatalf("alerts.yaml: %v", err)
	}
	if len(rf.Groups) == 0 {
		t.Fatal("alerts.yaml: no groups")
	}
	groups, alerts := map[string]bool{}, map[string]bool{}
	used := map[string]bool{}
	for _, g := range rf.Groups {
		if g.Name == "" || groups[g.Name] || len(g.Rules) == 0 {
			t.Errorf("group %q: empty, unnamed or named twice", g.Name)
		}
		groups[g.Name] = true
		if g.Interval != "" {
			if _, err := model.ParseDuration(g.Interval); err != nil {
				t.Errorf("group %q interval: %v", g.Name, err)
			}
		}
		for _, r := range g.Rules {
			name := r.Alert + r.Record
			if (r.Alert == "") == (r.Record == "") {
				t.Errorf("group %q: a rule must be exactly one of alert and record (%q)", g.Name, name)
			}
			if r.Alert != "" {
				if alerts[r.Alert] || !regexp.MustCompile(`^[A-Z][A-Za-z0-9]+$`).MatchString(r.Alert) {
					t.Errorf("alert %q: named twice or not CamelCase", r.Alert)
				}
				alerts[r.Alert] = true
				if !slices.Contains([]string{"critical", "warning", "info"}, r.Labels["severity"]) {
					t.Errorf("alert %s: severity %q, want critical, warning or info", r.Alert, r.Labels["severity"])
				}
				if r.Annotations["summary"] == "" || r.Annotations["description"] == "" {
					t.Errorf("alert %s: needs a summary and a description", r.Alert)
				}
			}
			for _, d := range []string{r.For, r.KeepFiringFor} {
				if d == "" {
					continue
				}
				if _, err := model.ParseDuration(d); err != nil {
					t.Errorf("rule %s: duration %q: %v", name, d, err)
				}
			}
			names, err := metricNames(r.Expr)
			if err != nil {
				t.Errorf("rule %s: %v", name, err)
			}
			for _, n := range names {
				used[n] = true
				if !knownSeries(metrics, n) {
					t.Errorf("rule %s: metric %q is not exported by dagworker (observability/metrics.txt)", name, n)
				}
			}
		}
	}
	// The rules cover what a team pages on: a missed nightly run, failing
	// tries, a stuck or growing queue, a dead worker, reconcile repairs.
	for _, m := range []string{"up", "dagworker_coordinator_runs_created_total", "dagworker_task_tries_finished_total",
		"dagworker_queue_tasks", "dagworker_coordinator_reconcile_repairs_total", "dagworker_coordinator_leader"} {
		if !used[m] {
			t.Errorf("no alert uses %s", m)
		}
	}
}

// TestDashboard checks dashboard.json: Grafana's schema basics, panels that
// do not overlap on the 24-column grid, every query on the templated
// Prometheus data source, and only exported metrics in the queries.
func TestDashboard(t *testing.T) {
	t.Parallel()
	metrics := exportedMetrics(t)
	data, err := os.ReadFile(filepath.Join("observability", "dashboard.json"))
	if err != nil {
		t.Fatal(err)
	}
	var d dashboard
	if err := json.Unmarshal(data, &d); err != nil {
		t.Fatalf("dashboard.json: %v", err)
	}
	if d.UID == "" || d.Title == "" || d.SchemaVersion < 36 || len(d.Panels) == 0 {
		t.Fatalf("dashboard.json: uid %q, title %q, schemaVersion %d, %d panels", d.UID, d.Title, d.SchemaVersion, len(d.Panels))
	}
	vars := map[string]string{}
	for _, v := range d.Templating.List {
		vars[v.Name] = v.Type
		if v.Type == "query" {
			names, err := metricNames(strings.TrimSuffix(strings.TrimPrefix(v.Definition, "label_values("), ")"))
			if err != nil {
				t.Errorf("variable %s: %v", v.Name, err)
			}
			for _, n := range names {
				if n != "job" && n != "kind" && n != "task_type" && n != "queue" && !knownSeries(metrics, n) {
					t.Errorf("variable %s: metric %q is not exported", v.Name, n)
				}
			}
		}
	}
	if vars["datasource"] != "datasource" {
		t.Fatalf("dashboard.json: no datasource variable (%v)", vars)
	}
	const ds = `{"type":"prometheus","uid":"${datasource}"}`
	ids := map[int]bool{}
	used := map[string]bool{}
	for i, p := range d.Panels {
		if ids[p.ID] || p.Title == "" {
			t.Errorf("panel %d (%q): id used twice or no title", p.ID, p.Title)
		}
		ids[p.ID] = true
		g := p.GridPos
		if g.W <= 0 || g.H <= 0 || g.X < 0 || g.Y < 0 || g.X+g.W > 24 {
			t.Errorf("panel %q: gridPos %+v outside the 24-column grid", p.Title, g)
		}
		for _, q := range d.Panels[:i] {
			h := q.GridPos
			if g.X < h.X+h.W && h.X < g.X+g.W && g.Y < h.Y+h.H && h.Y < g.Y+g.H {
				t.Errorf("panels %q and %q overlap", p.Title, q.Title)
			}
		}
		if p.Type == "row" {
			continue
		}
		if !slices.Contains([]string{"timeseries", "stat", "gauge", "bargauge", "table"}, p.Type) || len(p.Targets) == 0 {
			t.Errorf("panel %q: type %q with %d queries", p.Title, p.Type, len(p.Targets))
		}
		if compact(t, p.Datasource) != ds {
			t.Errorf("panel %q: datasource %s, want %s", p.Title, p.Datasource, ds)
		}
		refs := map[string]bool{}
		for _, tg := range p.Targets {
			if tg.RefID == "" || refs[tg.RefID] || compact(t, tg.Datasource) != ds {
				t.Errorf("panel %q: query %q without a unique refId or on another data source", p.Title, tg.RefID)
			}
			refs[tg.RefID] = true
			names, err := metricNames(tg.Expr)
			if err != nil {
				t.Errorf("panel %q: %v", p.Title, err)
			}
			for _, n := range names {
				used[n] = true
				if !knownSeries(metrics, n) {
					t.Errorf("panel %q: metric %q is not exported by dagworker (observability/metrics.txt)", p.Title, n)
				}
			}
		}
	}
	for name := range metrics {
		base := name
		if metrics[name] == "histogram" {
			base += "_bucket"
		}
		if strings.HasPrefix(name, "dagworker_") && !used[base] && !used[name] {
			t.Errorf("no dashboard panel shows %s", name)
		}
	}
}

func compact(t *testing.T, raw json.RawMessage) string {
	t.Helper()
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return string(raw)
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
