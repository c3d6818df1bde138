package api

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagworker/dagworker/internal/api/airflowspec"
)

// beyondDocument are the fields the Airflow 3.3.2 that the e2e suite
// compares with sends but the document the code is generated from does not
// list (and the log fields the structured log adds beside "event").
var beyondDocument = map[string][]string{
	"DAGResponse":          {"is_backfillable", "timetable_periodic"},
	"DAGDetailsResponse":   {"is_backfillable", "timetable_periodic"},
	"StructuredLogMessage": {"level", "logger"},
}

// TestShapesMatchAirflow: every Go type the served Airflow operations answer
// with, and every named struct inside it, has exactly the JSON fields of
// the schema of that name in Airflow's document (the generated one), so a
// hand-written shape cannot drop or invent a field.
func TestShapesMatchAirflow(t *testing.T) {
	t.Parallel()
	doc, err := airflowspec.GetSpec()
	require.NoError(t, err)
	b := setup(t)
	seen := map[reflect.Type]bool{}
	var check func(t *testing.T, typ reflect.Type)
	check = func(t *testing.T, typ reflect.Type) {
		for typ.Kind() == reflect.Pointer || typ.Kind() == reflect.Slice || typ.Kind() == reflect.Map {
			typ = typ.Elem()
		}
		if typ.Kind() != reflect.Struct || typ == timeType || seen[typ] {
			return
		}
		seen[typ] = true
		ref := doc.Components.Schemas[typ.Name()]
		if ref == nil {
			return // not one of Airflow's schemas (an embedded helper type)
		}
		for _, f := range beyondDocument[typ.Name()] {
			assert.NotContains(t, ref.Value.Properties, f, "%s.%s is in the document now: drop it from beyondDocument", typ.Name(), f)
		}
		want := slices.Sorted(slices.Values(append(slices.Collect(mapsKeys(ref.Value.Properties)), beyondDocument[typ.Name()]...)))
		var got []string
		var fields func(reflect.Type)
		fields = func(st reflect.Type) {
			for f := range st.Fields() {
				if f.Anonymous {
					fields(f.Type)
					continue
				}
				name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
				if name == "-" || !f.IsExported() {
					continue
				}
				got = append(got, name)
				check(t, f.Type)
			}
		}
		fields(typ)
		slices.Sort(got)
		assert.Equal(t, want, got, "the JSON fields of %s", typ.Name())
	}
	for _, rt := range b.api.routes {
		if !rt.airflow {
			continue
		}
		for _, v := range append([]any{rt.resp}, rt.respAnyOf...) {
			if v != nil {
				check(t, reflect.TypeOf(v))
			}
		}
	}
	require.Greater(t, len(seen), 40, "the response types were walked")
}

func mapsKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}
