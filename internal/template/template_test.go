package template

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var testDate = time.Date(2026, 11, 28, 2, 0, 0, 0, time.UTC)

func testContext() *Context {
	vars := Vars(RunInfo{
		DagID:             "nightly_sites",
		RunID:             "scheduled__2026-11-28T02:00:00+00:00",
		LogicalDate:       testDate,
		DataIntervalStart: testDate.Add(-24 * time.Hour),
		DataIntervalEnd:   testDate,
		Params: map[string]any{
			"sites":  []any{"https://example.org/news", "https://example.com/"},
			"labels": []any{"politics", "sport"},
			"limit":  float64(200),
			"depth":  uint64(3),
			"name":   "World",
			"empty":  "",
			"nested": map[string]any{"a": map[string]any{"b": "deep"}, "n": nil},
			"flag":   true,
			"words":  []string{"x", "y"},
		},
		Conf: map[string]any{"limit": float64(5), "who": "me"},
	})
	return &Context{
		Vars: vars,
		XCom: func(taskID, key string) (any, error) {
			switch {
			case taskID == "scrape" && key == "return_value":
				return map[string]any{"uri": "file://data/runs/x/pages.jsonl", "count": float64(12)}, nil
			case taskID == "scrape" && key == "pages":
				return []any{"a", "b"}, nil
			case taskID == "classify":
				return "labels.jsonl", nil
			case taskID == "broken":
				return nil, errors.New("redis down")
			}
			return nil, nil
		},
	}
}

func TestRenderValue(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want any
	}{
		{"plain text", "no templates here", "no templates here"},
		{"single brace text", "a {b} c", "a {b} c"},
		{"ds", "{{ ds }}", "2026-11-28"},
		{"ds_nodash", "{{ds_nodash}}", "20261128"},
		{"ts", "{{ ts }}", "2026-11-28T02:00:00+00:00"},
		{"ts_nodash", "{{ ts_nodash }}", "20261128T020000"},
		{"ts_nodash_with_tz", "{{ ts_nodash_with_tz }}", "20261128T020000+0000"},
		{"logical_date typed is string", "{{ logical_date }}", "2026-11-28T02:00:00+00:00"},
		{"data interval start", "{{ data_interval_start }}", "2026-11-27T02:00:00+00:00"},
		{"data interval end", "{{ data_interval_end }}", "2026-11-28T02:00:00+00:00"},
		{"run_id", "{{ run_id }}", "scheduled__2026-11-28T02:00:00+00:00"},
		{"dag id", "{{ dag.dag_id }}", "nightly_sites"},
		{"dag_run conf", "{{ dag_run.conf.who }}", "me"},
		{"dag_run run_id", "{{ dag_run.run_id }}", "scheduled__2026-11-28T02:00:00+00:00"},
		{"dag_run logical_date", "{{ dag_run.logical_date }}", "2026-11-28T02:00:00+00:00"},
		{"list keeps type", "{{ params.sites }}", []any{"https://example.org/news", "https://example.com/"}},
		{"list with whitespace around", "  {{ params.sites }}\n", []any{"https://example.org/news", "https://example.com/"}},
		{"number keeps type", "{{ params.limit }}", float64(200)},
		{"uint keeps type", "{{ params.depth }}", uint64(3)},
		{"bool keeps type", "{{ params.flag }}", true},
		{"none keeps type", "{{ params.nested.n }}", nil},
		{"dict keeps type", "{{ params.nested.a }}", map[string]any{"b": "deep"}},
		{"dag_run typed has plain times", "{{ dag_run.logical_date ~ '' }}", "2026-11-28T02:00:00+00:00"},
		{"index string", "{{ params['name'] }}", "World"},
		{"index double quoted", `{{ params["name"] }}`, "World"},
		{"index int", "{{ params.sites[1] }}", "https://example.com/"},
		{"index negative", "{{ params.sites[-1] }}", "https://example.com/"},
		{"index dotted int", "{{ params.sites.0 }}", "https://example.org/news"},
		{"index typed slice", "{{ params.words[1] }}", "y"},
		{"index string char", "{{ params.name[0] }}", "W"},
		{"nested index", "{{ params['nested']['a'].b }}", "deep"},
		{"computed index", "{{ params.sites[params.depth - 2] }}", "https://example.com/"},
		{"escapes", `{{ 'a\'b\n\\' }}`, "a'b\n\\"},
		{"int literal", "{{ 42 }}", int64(42)},
		{"float literal", "{{ 2.5 }}", 2.5},
		{"exp literal", "{{ 1e3 }}", 1000.0},
		{"bool literals", "{{ [true, True, false, False] }}", []any{true, true, false, false}},
		{"none literals", "{{ [none, None] }}", []any{nil, nil}},
		{"dict literal", "{{ {'a': 1, 'b': [2]} }}", map[string]any{"a": int64(1), "b": []any{int64(2)}}},
		{"empty list", "{{ [] }}", []any{}},
		{"mixed text", "Nightly report {{ ds }}", "Nightly report 2026-11-28"},
		{"two expressions", "{{ ds }}{{ ds_nodash }}", "2026-11-2820261128"},
		{"list in text is JSON", "sites={{ params.sites }}", `sites=["https://example.org/news","https://example.com/"]`},
		{"dict in text is JSON", "x {{ params.nested }}", `x {"a":{"b":"deep"},"n":null}`},
		{"number in text", "n={{ params.limit }}", "n=200"},
		{"float in text", "n={{ 2.5 }}", "n=2.5"},
		{"none in text", "n={{ none }}", "n=null"},
		{"bool in text", "n={{ params.flag }}", "n=true"},
		{"time in text", "at {{ logical_date }}", "at 2026-11-28T02:00:00+00:00"},
		{"html not escaped", "{{ '<a&b>' | tojson }}", `"<a&b>"`},
		{"concat", "{{ ds ~ '/' ~ params.limit }}", "2026-11-28/200"},
		{"plus strings", "{{ 'a' + 'b' }}", "ab"},
		{"plus ints", "{{ 1 + 2 }}", int64(3)},
		{"plus float", "{{ params.limit + 1 }}", 201.0},
		{"plus lists", "{{ params.labels + ['x'] }}", []any{"politics", "sport", "x"}},
		{"minus mul div mod", "{{ [7 - 2, 3 * 4, 7 / 2, 7 % 3, -7 % 3] }}", []any{int64(5), int64(12), 3.5, int64(1), int64(2)}},
		{"precedence", "{{ 1 + 2 * 3 }}", int64(7)},
		{"parens", "{{ (1 + 2) * 3 }}", int64(9)},
		{"unary minus", "{{ -params.limit }}", -200.0},
		{"int overflow to float", "{{ 9223372036854775807 + 1 }}", 9223372036854775808.0},
		{"comparisons", "{{ [1 < 2, 2 <= 2, 3 > 4, 'a' >= 'b', 1 == 1.0, 'a' != 'a'] }}", []any{true, true, false, false, true, false}},
		{"in list", "{{ 'sport' in params.labels }}", true},
		{"not in list", "{{ 'x' not in params.labels }}", true},
		{"in string", "{{ 'orl' in params.name }}", true},
		{"in dict", "{{ 'a' in params.nested }}", true},
		{"and or not", "{{ [true and 'x', false or 'y', not params.empty] }}", []any{"x", "y", true}},
		{"conditional", "{{ 'big' if params.limit > 100 else 'small' }}", "big"},
		{"conditional else", "{{ 'big' if params.limit > 1000 else 'small' }}", "small"},
		{"is defined", "{{ [params.name is defined, params.nope is defined, params.nope is not defined] }}", []any{true, false, true}},
		{"is none", "{{ params.nested.n is none }}", true},
		{"default on missing", "{{ params.nope | default('x') }}", "x"},
		{"default on missing nested", "{{ params.nope.deeper | default(3) }}", int64(3)},
		{"default on unknown name", "{{ nope | d([]) }}", []any{}},
		{"default keeps defined", "{{ params.empty | default('x') }}", ""},
		{"default boolean", "{{ params.empty | default('x', true) }}", "x"},
		{"default kw boolean", "{{ params.empty | default('x', boolean=true) }}", "x"},
		{"default on missing index", "{{ params.sites[9] | default('none') }}", "none"},
		{"tojson", "{{ params.nested | tojson }}", `{"a":{"b":"deep"},"n":null}`},
		{"tojson time", "{{ dag_run | tojson }}", `{"conf":{"limit":5,"who":"me"},"dag_id":"nightly_sites","data_interval_end":"2026-11-28T02:00:00+00:00","data_interval_start":"2026-11-27T02:00:00+00:00","logical_date":"2026-11-28T02:00:00+00:00","run_id":"scheduled__2026-11-28T02:00:00+00:00"}`},
		{"upper lower trim", "{{ [params.name | upper, params.name | lower, '  x ' | trim] }}", []any{"WORLD", "world", "x"}},
		{"join", "{{ params.labels | join(',') }}", "politics,sport"},
		{"join default sep", "{{ [1, 2] | join }}", "12"},
		{"join typed slice", "{{ params.words | join('-') }}", "x-y"},
		{"int from string", "{{ '42' | int }}", int64(42)},
		{"int from float", "{{ params.limit | int }}", int64(200)},
		{"int from float string", "{{ '2.9' | int }}", int64(2)},
		{"int default", "{{ 'x' | int(7) }}", int64(7)},
		{"float", "{{ '2.5' | float }}", 2.5},
		{"string", "{{ params.limit | string }}", "200"},
		{"string of list", "{{ params.labels | string }}", `["politics","sport"]`},
		{"length", "{{ [params.sites | length, params.name | count, params.nested | length] }}", []any{int64(2), int64(5), int64(2)}},
		{"first last", "{{ [params.labels | first, params.labels | last] }}", []any{"politics", "sport"}},
		{"replace", "{{ ds | replace('-', '/') }}", "2026/11/28"},
		{"filter chain", "{{ params.labels | join(' ') | upper }}", "POLITICS SPORT"},
		{"filter binds tighter than concat", "{{ 'a' ~ 'b' | upper }}", "aB"},
		{"xcom_pull kw", "{{ ti.xcom_pull(task_ids='scrape') }}", map[string]any{"uri": "file://data/runs/x/pages.jsonl", "count": float64(12)}},
		{"xcom_pull attribute", "{{ ti.xcom_pull(task_ids='scrape').uri }}", "file://data/runs/x/pages.jsonl"},
		{"xcom_pull index", "{{ ti.xcom_pull('scrape')['count'] }}", float64(12)},
		{"xcom_pull key", "{{ ti.xcom_pull(task_ids='scrape', key='pages') }}", []any{"a", "b"}},
		{"xcom_pull positional key", "{{ ti.xcom_pull('scrape', none, 'pages') }}", []any{"a", "b"}},
		{"xcom_pull dag_id current", "{{ ti.xcom_pull('classify', dag_id='nightly_sites') }}", "labels.jsonl"},
		{"xcom_pull list", "{{ ti.xcom_pull(task_ids=['classify', 'other']) }}", []any{"labels.jsonl", nil}},
		{"xcom_pull missing is none", "{{ ti.xcom_pull('other') | default('x', true) }}", "x"},
		{"xcom_pull in text", "out: {{ ti.xcom_pull('classify') }}", "out: labels.jsonl"},
		{"trailing brace text", "a }} b {", "a }} b {"},
		{"brace inside string literal", "{{ '}}' }}", "}}"},
		{"unicode", "{{ 'żółw ' ~ params.name }} ✓", "żółw World ✓"},
		{"multiline expression", "{{\n  params.name\n}}", "World"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := Render(tc.in, testContext())
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestRenderErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		in       string
		sentinel error
		offset   int
		msg      string
	}{
		{"unknown name", "x {{ parms.sites }}", ErrUnknownName, 5, `offset 5: unknown name: "parms"`},
		{"missing key", "{{ params.nope }}", ErrUnknownName, 3, `offset 3: unknown name: "params.nope"`},
		{"missing nested key", "{{ params.nested.a.c }}", ErrUnknownName, 3, `unknown name: "params.nested.a.c"`},
		{"missing index", "{{ params.sites[5] }}", ErrUnknownName, 3, `unknown name: "params.sites[5]"`},
		{"missing key by index", "{{ params['nope'] }}", ErrUnknownName, 3, `unknown name: "params[\"nope\"]"`},
		{"undefined in text", "a {{ ds }} {{ nope }}", ErrUnknownName, 14, `offset 14: unknown name: "nope"`},
		{"undefined through filter", "{{ nope | upper }}", ErrUnknownName, 3, `unknown name: "nope"`},
		{"undefined in operator", "{{ 1 + nope }}", ErrUnknownName, 7, `unknown name: "nope"`},
		{"if without else", "{{ 'a' if false }}", ErrUnknownName, 3, `(if without else)`},
		{"block", "{% if x %}y{% endif %}", ErrUnsupported, 0, `offset 0: not supported: {% … %} blocks`},
		{"comment", "a {# c #}", ErrUnsupported, 2, `{# … #} comments`},
		{"unclosed", "a {{ ds ", ErrSyntax, 2, `offset 2: syntax error: unclosed {{`},
		{"empty", "{{ }}", ErrSyntax, 0, `empty expression`},
		{"unterminated string", "{{ 'abc }}", ErrSyntax, 3, `unterminated string literal`},
		{"bad char", "{{ a $ b }}", ErrSyntax, 5, `unexpected character '$'`},
		{"trailing tokens", "{{ ds ds }}", ErrSyntax, 6, `unexpected "ds"`},
		{"adjacent literals", "{{ 'a' 'b' }}", ErrSyntax, 7, `unexpected string "b"`},
		{"missing bracket", "{{ params['a' }}", ErrSyntax, 14, `expected "]"`},
		{"missing paren", "{{ (1 + 2 }}", ErrSyntax, 10, `expected ")"`},
		{"dangling operator", "{{ 1 + }}", ErrSyntax, 7, `unexpected end of expression`},
		{"bad filter syntax", "{{ ds | 1 }}", ErrSyntax, 8, `expected a filter name`},
		{"unknown filter", "{{ ds | capitalize }}", ErrUnsupported, 6, `filter "capitalize"`},
		{"unknown test", "{{ ds is odd }}", ErrUnsupported, 6, `test "odd"`},
		{"int too large", "{{ 99999999999999999999 }}", ErrSyntax, 3, `out of range`},
		{"keyword as name", "{{ if }}", ErrSyntax, 3, `unexpected "if"`},
		{"positional after kw", "{{ ti.xcom_pull(task_ids='a', 'b') }}", ErrSyntax, 30, `positional argument after keyword`},
		{"repeated kwarg", "{{ ti.xcom_pull(key='a', key='b') }}", ErrSyntax, 29, `repeated`},
		{"add string int", "{{ 'a' + 1 }}", ErrType, 7, `cannot add string and int (use ~`},
		{"div zero", "{{ 1 / 0 }}", ErrType, 5, `division by zero`},
		{"mod zero", "{{ 1 % 0 }}", ErrType, 5, `modulo by zero`},
		{"compare mixed", "{{ 1 < 'a' }}", ErrType, 5, `cannot compare int < string`},
		{"not callable", "{{ ds() }}", ErrType, 5, `string is not callable`},
		{"attr on string", "{{ ds.year }}", ErrType, 5, `string has no attribute "year"`},
		{"index list by string", "{{ params.sites['a'] }}", ErrType, 15, `list is not subscriptable by a string`},
		{"index by bool", "{{ params.sites[true] }}", ErrType, 15, `cannot index with bool`},
		{"dict key not string", "{{ {1: 2} }}", ErrType, 4, `dict key must be a string`},
		{"int filter on text", "{{ 'x' | int }}", ErrType, 7, `cannot convert string to int`},
		{"join not list", "{{ ds | join(',') }}", ErrType, 6, `filter join needs a list`},
		{"length of number", "{{ 3 | length }}", ErrType, 5, `int has no length`},
		{"too many filter args", "{{ ds | upper(1) }}", ErrSyntax, 6, `at most 0 argument`},
		{"function rendered", "{{ ti.xcom_pull }}", ErrType, 0, `cannot render function ti.xcom_pull`},
		{"ti rendered", "{{ ti }}", ErrType, 0, `cannot render ti`},
		{"ti attribute", "{{ ti.task_id }}", ErrUnsupported, 5, `ti has no attribute "task_id"`},
		{"xcom unknown kwarg", "{{ ti.xcom_pull(task_ids='a', map_indexes=1) }}", ErrUnsupported, 15, `argument map_indexes`},
		{"xcom no task_ids", "{{ ti.xcom_pull() }}", ErrUnsupported, 15, `without task_ids`},
		{"xcom other dag", "{{ ti.xcom_pull('a', 'other_dag') }}", ErrUnsupported, 15, `from another DAG`},
		{"xcom too many args", "{{ ti.xcom_pull('a', none, 'k', 1) }}", ErrSyntax, 15, `at most 3 positional`},
		{"xcom bad task_ids", "{{ ti.xcom_pull(task_ids=1) }}", ErrType, 15, `task_ids must be a string or a list`},
		{"xcom both positional and kw", "{{ ti.xcom_pull('a', task_ids='b') }}", ErrSyntax, 15, `both positionally and by keyword`},
		{"xcom source error", "{{ ti.xcom_pull('broken') }}", ErrXCom, 15, `xcom_pull failed: task "broken" key "return_value": redis down`},
		{"too deep", "{{ " + repeat("(", 100) + "1" + repeat(")", 100) + " }}", ErrTooLarge, 0, `nested deeper than 64`},
		{"too long chain", "{{ a" + repeat(".b", 200) + " }}", ErrTooLarge, 0, `nested deeper than 64`},
		{"expression too long", "{{ '" + repeat("x", MaxExprLen+10) + "' }}", ErrTooLarge, 0, `expression longer than 4096 bytes`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Render(tc.in, testContext())
			require.Error(t, err)
			require.ErrorIs(t, err, tc.sentinel)
			var te *Error
			require.ErrorAs(t, err, &te)
			if tc.offset != 0 || !errors.Is(tc.sentinel, ErrTooLarge) {
				require.Equal(t, tc.offset, te.Offset, "offset in %q: %v", tc.in, err)
			}
			require.Contains(t, err.Error(), tc.msg)
		})
	}
}

func repeat(s string, n int) string { return strings.Repeat(s, n) }

func TestRenderNoXCom(t *testing.T) {
	t.Parallel()
	for _, c := range []*Context{nil, {Vars: map[string]any{}}} {
		_, err := Render("{{ ti.xcom_pull('scrape') }}", c)
		require.ErrorIs(t, err, ErrNoXCom)
		got, err := Render("{{ nope | default(1) }}", c)
		require.NoError(t, err)
		require.Equal(t, int64(1), got)
	}
}

func TestRenderDeep(t *testing.T) {
	t.Parallel()
	args := map[string]any{
		"urls":      "{{ params.sites }}",
		"max_pages": 200,
		"title":     "Nightly report {{ ds }}",
		"headers":   map[string]any{"x-run": "{{ run_id }}", "n": 1.5},
		"list":      []any{"{{ ds_nodash }}", true, nil, []any{"{{ params.limit }}"}},
	}
	got, err := Render(args, testContext())
	require.NoError(t, err)
	require.Equal(t, map[string]any{
		"urls":      []any{"https://example.org/news", "https://example.com/"},
		"max_pages": 200,
		"title":     "Nightly report 2026-11-28",
		"headers":   map[string]any{"x-run": "scheduled__2026-11-28T02:00:00+00:00", "n": 1.5},
		"list":      []any{"20261128", true, nil, []any{float64(200)}},
	}, got)
	require.Equal(t, "{{ params.sites }}", args["urls"], "input not modified")
	c := testContext()
	typed, err := Render("{{ params.sites }}", c)
	require.NoError(t, err)
	typed.([]any)[0] = "changed"
	require.Equal(t, "https://example.org/news", c.Vars["params"].(map[string]any)["sites"].([]any)[0], "typed results are copies")

	_, err = Render(map[string]any{"a": map[string]any{"b": []any{"ok", "{{ nope }}"}}}, testContext())
	require.ErrorIs(t, err, ErrUnknownName)
	require.EqualError(t, err, `a.b[1]: offset 3: unknown name: "nope"`)

	for _, v := range []any{nil, 3, true, 2.5, []string{"{{ ds }}"}} {
		got, err := Render(v, testContext())
		require.NoError(t, err)
		require.Equal(t, v, got, "non-strings unchanged")
	}
}

func TestRenderString(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"{{ params.sites }}", `["https://example.org/news","https://example.com/"]`},
		{"{{ params.limit }}", "200"},
		{"{{ 1e22 }}", "1e+22"},
		{"{{ ds }}", "2026-11-28"},
		{"plain", "plain"},
	}
	for _, tc := range tests {
		got, err := RenderString(tc.in, testContext())
		require.NoError(t, err)
		require.Equal(t, tc.want, got)
	}
	_, err := RenderString("{{ nope }}", testContext())
	require.ErrorIs(t, err, ErrUnknownName)
}

func TestVars(t *testing.T) {
	t.Parallel()
	berlin := time.FixedZone("CET", 3600)
	v := Vars(RunInfo{DagID: "d", RunID: "r", LogicalDate: time.Date(2026, 1, 2, 0, 30, 0, 1000, berlin)})
	require.Equal(t, "2026-01-01", v["ds"], "UTC")
	require.Equal(t, "2026-01-01T23:30:00.000001+00:00", v["ts"])
	require.Equal(t, map[string]any{}, v["params"])
	got, err := Render("{{ dag_run.conf | tojson }} {{ dag.dag_id }}", &Context{Vars: v})
	require.NoError(t, err)
	require.Equal(t, "{} d", got)
}

func TestLimits(t *testing.T) {
	t.Parallel()
	big := make([]any, 2000)
	for i := range big {
		big[i] = repeat("x", 1000)
	}
	c := &Context{Vars: map[string]any{"big": big, "s": repeat("y", 600_000)}}
	for _, in := range []string{
		"{{ big | join(',') }}",
		"{{ s ~ s }}",
		"{{ s + s }}",
		"{{ s }}{{ s }}",
		"{{ s | replace('y', 'yy') }}",
	} {
		_, err := Render(in, c)
		require.ErrorIs(t, err, ErrTooLarge, in)
	}
	_, err := Render(repeat("a", MaxTemplateLen+1)+"{{ s }}", c)
	require.ErrorIs(t, err, ErrTooLarge)
}

func ExampleRender() {
	c := &Context{Vars: Vars(RunInfo{
		DagID:       "nightly_sites",
		LogicalDate: time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC),
		Params:      map[string]any{"sites": []any{"https://example.org/"}},
	})}
	args, err := Render(map[string]any{
		"urls":  "{{ params.sites }}",
		"title": "Report {{ ds }} for {{ dag.dag_id | upper }}",
	}, c)
	if err != nil {
		panic(err)
	}
	m := args.(map[string]any)
	fmt.Printf("%#v\n%s\n", m["urls"], m["title"])
	// Output:
	// []interface {}{"https://example.org/"}
	// Report 2026-11-28 for NIGHTLY_SITES
}
