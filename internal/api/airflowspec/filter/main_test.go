package main

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

func decode(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(s), &m))
	return m
}

// TestFilter: only the listed operations stay, with the schemas they reach
// through $ref (transitively); an operation the document lacks is an error.
func TestFilter(t *testing.T) {
	t.Parallel()
	doc := decode(t, `{"openapi": "3.1.0", "info": {"title": "x"},
		"paths": {
			"/a": {"get": {"operationId": "get_a", "responses": {"200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/A"}}}}}},
			       "post": {"operationId": "post_a"}},
			"/b": {"get": {"operationId": "get_b", "responses": {"200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/B"}}}}}}}},
		"components": {"schemas": {
			"A": {"type": "object", "properties": {"c": {"$ref": "#/components/schemas/C"}}},
			"B": {"type": "object"},
			"C": {"type": "string"}},
			"securitySchemes": {"HTTPBearer": {"type": "http", "scheme": "bearer"}}}}`)
	out, err := filter(doc, map[string]bool{"get_a": true})
	require.NoError(t, err)
	require.Equal(t, []string{"/a"}, keys(out["paths"]))
	require.Equal(t, []string{"get"}, keys(out["paths"].(map[string]any)["/a"]))
	comps := out["components"].(map[string]any)
	require.Equal(t, []string{"A", "C"}, keys(comps["schemas"]))
	require.Contains(t, comps, "securitySchemes")
	require.Equal(t, "3.1.0", out["openapi"])

	_, err = filter(doc, map[string]bool{"get_a": true, "nope": true})
	require.ErrorContains(t, err, "operations not in the document: nope")
}

// TestTo30: the 3.1 keywords become the OpenAPI 3.0 that says the same.
func TestTo30(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{"const", `{"type": "string", "const": "~"}`, `{"type": "string", "enum": ["~"]}`},
		{"tuple", `{"type": "array", "prefixItems": [{"type": "string"}, {"type": "integer"}]}`,
			`{"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}, "minItems": 2, "maxItems": 2}`},
		{"tuple of one type", `{"type": "array", "prefixItems": [{"type": "string"}, {"type": "string"}]}`,
			`{"type": "array", "items": {"type": "string"}, "minItems": 2, "maxItems": 2}`},
		{"exclusive minimum", `{"type": "number", "exclusiveMinimum": 0}`, `{"type": "number", "minimum": 0, "exclusiveMinimum": true}`},
		{"inline or null", `{"anyOf": [{"type": "string"}, {"type": "null"}], "title": "T"}`, `{"type": "string", "nullable": true, "title": "T"}`},
		{"ref or null", `{"anyOf": [{"$ref": "#/x"}, {"type": "null"}]}`, `{"anyOf": [{"$ref": "#/x"}, {"nullable": true, "enum": [null]}]}`},
		{"nullable ref", `{"$ref": "#/x", "nullable": true}`, `{"anyOf": [{"$ref": "#/x"}, {"nullable": true, "enum": [null]}]}`},
		{"two or null", `{"anyOf": [{"type": "string"}, {"type": "integer"}, {"type": "null"}]}`,
			`{"anyOf": [{"type": "string"}, {"type": "integer"}, {"nullable": true, "enum": [null]}]}`},
		{"nested", `{"properties": {"p": {"const": 1}}}`, `{"properties": {"p": {"enum": [1]}}}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := decode(t, tc.in)
			to30(v)
			got, err := json.Marshal(v)
			require.NoError(t, err)
			require.JSONEq(t, tc.want, string(got))
		})
	}
}

// TestForModels: every property is required and a nullable $ref is an
// allOf with nullable (so the generated field is a pointer without
// omitempty).
func TestForModels(t *testing.T) {
	t.Parallel()
	v := decode(t, `{"type": "object", "properties": {"b": {"anyOf": [{"$ref": "#/x"}, {"nullable": true, "enum": [null]}]}, "a": {"type": "string"}}, "required": ["a"]}`)
	forModels(v)
	got, err := json.Marshal(v)
	require.NoError(t, err)
	require.JSONEq(t, `{"type": "object", "properties": {"b": {"allOf": [{"$ref": "#/x"}], "nullable": true}, "a": {"type": "string"}}, "required": ["a", "b"]}`, string(got))
}

func keys(v any) []string {
	m := v.(map[string]any)
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
