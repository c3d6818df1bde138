package template

import (
	"errors"
	"strings"
	"testing"
)

func FuzzRender(f *testing.F) {
	for _, s := range []string{
		"{{ ds }}", "Nightly {{ ds }} {{ params.sites | join(',') }}", "{{ params.sites }}",
		"{{ ti.xcom_pull(task_ids='scrape').uri }}", "{{ ti.xcom_pull('scrape', none, 'pages')[0] }}",
		"{{ params.nope | default([1, {'a': none}], true) }}", "{{ 'a' ~ 1 + 2 * -3 / 4 % 5 }}",
		"{{ x if params.flag and not y or z in [1] else params['name'][-1] }}", "{% if %}", "{# c #}",
		"{{ '\\'}}' }}", "{{ (((1))) }}", "{{ params.limit | int | string | length }}", "{{", "}}", "{{ 1e400 }}",
		"{{ params is not defined }}", "{{ 9223372036854775807 * 2 }}", "{{ params.words.1 | upper | replace('Y', '') }}",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > 4096 {
			return
		}
		c := testContext()
		v, err := Render(s, c)
		if err != nil {
			var te *Error
			if !errors.As(err, &te) {
				t.Fatalf("error is not *Error: %v", err)
			}
			if te.Offset < 0 || te.Offset > len(s) {
				t.Fatalf("offset %d outside template of %d bytes", te.Offset, len(s))
			}
			for _, sentinel := range []error{ErrSyntax, ErrUnknownName, ErrUnsupported, ErrType, ErrTooLarge, ErrNoXCom, ErrXCom} {
				if errors.Is(err, sentinel) {
					return
				}
			}
			t.Fatalf("error wraps no sentinel: %v", err)
		}
		if !strings.Contains(s, "{") && v != s {
			t.Fatalf("plain text changed: %q -> %#v", s, v)
		}
		if _, err := RenderString(s, c); err != nil {
			t.Fatalf("Render succeeded but RenderString failed: %v", err)
		}
	})
}
