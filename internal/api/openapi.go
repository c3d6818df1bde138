package api

import (
	"encoding/json"
	"maps"
	"net/http"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// The OpenAPI document is built from the route table and the Go types of
// the bodies, so it cannot drift from what is served. Shared operations use
// Airflow's operation ids and schema names (the Go types carry Airflow's
// names), and tests validate the responses against Airflow's own document.

var pathParam = regexp.MustCompile(`\{([a-z_]+)\}`)

// OpenAPI returns the OpenAPI 3.0 document of everything the server serves.
func (s *Server) OpenAPI() map[string]any {
	g := &schemaGen{components: map[string]any{
		"HTTPExceptionResponse": obj(map[string]any{"detail": map[string]any{}}, "detail"),
		"HTTPValidationError": obj(map[string]any{"detail": map[string]any{"type": "array", "items": obj(map[string]any{
			"loc":  map[string]any{"type": "array", "items": map[string]any{}},
			"msg":  map[string]any{"type": "string"},
			"type": map[string]any{"type": "string"},
		}, "loc", "msg", "type")}}),
	}}
	paths := map[string]any{}
	for _, rt := range s.routes {
		item, _ := paths[rt.path].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[rt.path] = item
		}
		item[strings.ToLower(rt.method)] = g.operation(rt)
	}
	paths["/api/v2/openapi.json"] = map[string]any{"get": map[string]any{
		"operationId": "get_openapi", "summary": "This document",
		"responses": map[string]any{"200": map[string]any{"description": "The OpenAPI document", "content": jsonContent(map[string]any{"type": "object"})}},
	}}
	return map[string]any{
		"openapi": "3.0.3",
		"info": map[string]any{"title": "dagworker API", "version": s.cfg.Version,
			"description": "A subset of Airflow's REST API v2 (same paths and shapes), plus a run sensor, trigger-and-wait, ad-hoc tasks and the run outputs of the data lake."},
		"paths": paths,
		"components": map[string]any{
			"schemas": g.components,
			"securitySchemes": map[string]any{
				"Bearer": map[string]any{"type": "http", "scheme": "bearer"},
				"Basic":  map[string]any{"type": "http", "scheme": "basic"},
			},
		},
	}
}

func (s *Server) handleOpenAPI(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.OpenAPI())
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
