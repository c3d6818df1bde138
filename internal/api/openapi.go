package api

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dagworker/dagworker/internal/api/airflowspec"
)

// The OpenAPI document of the operations shared with Airflow is Airflow's
// own, cut down to what is served (internal/api/airflowspec, generated from
// Airflow's document); dagworker's additions to them (query parameters such
// as trigger's wait, 501 answers, its Bearer and Basic schemes) are merged
// in. dagworker's own operations are documented from the route table and
// the Go types of their bodies; where such a type has an Airflow schema's
// name, Airflow's schema is used (TestShapesMatchAirflow keeps the two
// equal).

var pathParam = regexp.MustCompile(`\{([a-z_]+)\}`)

// openAPI returns the OpenAPI 3.0 document of everything the server serves
// as JSON. New builds it once; GET /api/v2/openapi.json serves those bytes.
func (s *Server) openAPI() ([]byte, error) {
	raw, err := airflowspec.Document()
	if err != nil {
		return nil, fmt.Errorf("the embedded Airflow document: %w", err)
	}
	var airflow struct {
		Paths      map[string]map[string]map[string]any `json:"paths"`
		Components struct {
			Schemas map[string]any `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(raw, &airflow); err != nil {
		return nil, fmt.Errorf("the embedded Airflow document: %w", err)
	}
	g := &schemaGen{components: map[string]any{}}
	paths := map[string]any{}
	for _, rt := range s.routes {
		item, _ := paths[rt.path].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[rt.path] = item
		}
		method := strings.ToLower(rt.method)
		op := g.operation(rt)
		if theirs := airflow.Paths[rt.path][method]; rt.airflow && theirs != nil && theirs["operationId"] == rt.op {
			op = mergeAirflowOperation(theirs, op)
		}
		item[method] = op
	}
	paths["/api/v2/openapi.json"] = map[string]any{"get": map[string]any{
		"operationId": "get_openapi", "summary": "This document",
		"responses": map[string]any{"200": map[string]any{"description": "The OpenAPI document", "content": jsonContent(map[string]any{"type": "object"})}},
	}}
	schemas := airflow.Components.Schemas
	for name, sc := range g.components {
		if _, ok := schemas[name]; !ok {
			schemas[name] = sc
		}
	}
	return json.Marshal(map[string]any{
		"openapi": "3.0.3",
		"info": map[string]any{"title": "dagworker API", "version": s.cfg.Version,
			"description": "A subset of Airflow's REST API v2 (Airflow's own document for those operations), plus a run sensor, trigger-and-wait, ad-hoc tasks and the run outputs of the data lake."},
		"paths": paths,
		"components": map[string]any{
			"schemas": schemas,
			"securitySchemes": map[string]any{
				"Bearer": map[string]any{"type": "http", "scheme": "bearer"},
				"Basic":  map[string]any{"type": "http", "scheme": "basic"},
			},
		},
	})
}

// mergeAirflowOperation is Airflow's operation with what dagworker adds
// (from ours, the operation the route table documents): the Airflow tag,
// dagworker's security, the query parameters and answers Airflow's lacks.
func mergeAirflowOperation(theirs, ours map[string]any) map[string]any {
	op := maps.Clone(theirs)
	tags, _ := op["tags"].([]any)
	op["tags"] = append(slices.Clone(tags), "Airflow")
	op["security"] = ours["security"]
	params, _ := op["parameters"].([]any)
	params = slices.Clone(params)
	have := map[string]bool{}
	for _, p := range params {
		if m, ok := p.(map[string]any); ok {
			have[fmt.Sprint(m["in"], ":", m["name"])] = true
		}
	}
	extra, _ := ours["parameters"].([]any)
	for _, p := range extra {
		if m, ok := p.(map[string]any); ok && !have[fmt.Sprint(m["in"], ":", m["name"])] {
			params = append(params, p)
		}
	}
	if len(params) > 0 {
		op["parameters"] = params
	}
	resps, _ := op["responses"].(map[string]any)
	resps = maps.Clone(resps)
	mine, _ := ours["responses"].(map[string]any)
	for code, r := range mine {
		if _, ok := resps[code]; !ok {
			resps[code] = r
		}
	}
	op["responses"] = resps
	return op
}

func (s *Server) handleOpenAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(s.openapi)
}

func jsonContent(schema any) map[string]any {
	return map[string]any{"application/json": map[string]any{"schema": schema}}
}

// binaryContent is a file body of any media type.
func binaryContent() map[string]any {
	return map[string]any{"*/*": map[string]any{"schema": map[string]any{"type": "string", "format": "binary"}}}
}

func obj(props map[string]any, required ...string) map[string]any {
	o := map[string]any{"type": "object", "properties": props}
	if len(required) > 0 {
		o["required"] = required
	}
	return o
}

type schemaGen struct{ components map[string]any }

func (g *schemaGen) operation(rt route) map[string]any {
	op := map[string]any{"operationId": rt.op, "summary": rt.summary}
	if rt.airflow {
		op["tags"] = []string{"Airflow"}
	} else {
		op["tags"] = []string{"dagworker"}
	}
	var params []any
	for _, m := range pathParam.FindAllStringSubmatch(rt.path, -1) {
		typ := "string"
		if m[1] == "try_number" {
			typ = "integer"
		}
		params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]any{"type": typ}})
	}
	for _, q := range rt.query {
		params = append(params, map[string]any{"name": q, "in": "query", "required": false, "schema": map[string]any{"type": "string"}})
	}
	if params != nil {
		op["parameters"] = params
	}
	if rt.scope != "" {
		op["security"] = []any{map[string]any{"Bearer": []string{}}, map[string]any{"Basic": []string{}}}
	} else {
		op["security"] = []any{}
	}
	if rt.body != nil {
		op["requestBody"] = map[string]any{"required": false, "content": jsonContent(g.schema(reflect.TypeOf(rt.body)))}
	}
	resps := map[string]any{}
	ok := map[string]any{"description": http.StatusText(rt.status)}
	switch {
	case rt.binary:
		ok["content"] = binaryContent()
	case rt.respAnyOf != nil:
		var alts []any
		for _, alt := range rt.respAnyOf {
			alts = append(alts, g.schema(reflect.TypeOf(alt)))
		}
		ok["content"] = jsonContent(map[string]any{"anyOf": alts})
	case rt.resp != nil:
		ok["content"] = jsonContent(g.schema(reflect.TypeOf(rt.resp)))
	}
	resps[strconv.Itoa(rt.status)] = ok
	for _, code := range rt.errors {
		var schema any
		switch {
		case rt.binary && code < 300:
			resps[strconv.Itoa(code)] = map[string]any{"description": http.StatusText(code), "content": binaryContent()}
			continue
		case code == http.StatusUnprocessableEntity:
			schema = map[string]any{"$ref": "#/components/schemas/HTTPValidationError"}
		case code < 300:
			schema = g.schema(reflect.TypeOf(rt.resp))
		default:
			schema = map[string]any{"$ref": "#/components/schemas/HTTPExceptionResponse"}
		}
		resps[strconv.Itoa(code)] = map[string]any{"description": http.StatusText(code), "content": jsonContent(schema)}
	}
	op["responses"] = resps
	return op
}

var (
	timeType = reflect.TypeFor[time.Time]()
	rawType  = reflect.TypeFor[json.RawMessage]()
)

// schema returns the JSON schema of t; named struct types become components.
func (g *schemaGen) schema(t reflect.Type) map[string]any {
	nullable := false
	for t.Kind() == reflect.Pointer {
		t, nullable = t.Elem(), true
	}
	var s map[string]any
	switch {
	case t == timeType:
		s = map[string]any{"type": "string", "format": "date-time"}
	case t == rawType, t.Kind() == reflect.Interface:
		s = map[string]any{}
	case t.Kind() == reflect.Struct && t.Name() != "":
		if _, ok := g.components[t.Name()]; !ok {
			g.components[t.Name()] = map[string]any{} // break cycles
			g.components[t.Name()] = g.structSchema(t)
		}
		ref := map[string]any{"$ref": "#/components/schemas/" + t.Name()}
		if nullable {
			return map[string]any{"allOf": []any{ref}, "nullable": true}
		}
		return ref
	case t.Kind() == reflect.Struct:
		s = g.structSchema(t)
	case t.Kind() == reflect.Map:
		s = map[string]any{"type": "object", "additionalProperties": g.schema(t.Elem())}
	case t.Kind() == reflect.Slice:
		s = map[string]any{"type": "array", "items": g.schema(t.Elem())}
	case t.Kind() == reflect.String:
		s = map[string]any{"type": "string"}
	case t.Kind() == reflect.Bool:
		s = map[string]any{"type": "boolean"}
	case t.Kind() == reflect.Float32, t.Kind() == reflect.Float64:
		s = map[string]any{"type": "number"}
	default:
		s = map[string]any{"type": "integer"}
	}
	if nullable && len(s) > 0 {
		s["nullable"] = true
	}
	return s
}

func (g *schemaGen) structSchema(t reflect.Type) map[string]any {
	props := map[string]any{}
	var required []string
	g.fields(t, props, &required)
	return obj(props, required...)
}

func (g *schemaGen) fields(t reflect.Type, props map[string]any, required *[]string) {
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			g.fields(f.Type, props, required)
			continue
		}
		if !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		ps := g.schema(f.Type)
		if f.Tag.Get("nullable") == "true" {
			// A map or slice Airflow documents as nullable (nil marshals to null).
			ps = maps.Clone(ps)
			ps["nullable"] = true
		}
		props[name] = ps
		if !strings.Contains(opts, "omitempty") && f.Type.Kind() != reflect.Pointer && f.Type != rawType {
			*required = append(*required, name)
		}
	}
}
