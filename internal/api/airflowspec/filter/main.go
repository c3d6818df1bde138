// Command filter cuts Airflow's OpenAPI document down to the operations
// dagworker serves: it keeps those operations (listed one operation id per
// line in a file), the component schemas they reach through $ref, and the
// document's header, and writes the result as JSON with sorted keys, so
// that the same inputs always give the same bytes. `make generate` runs it
// before oapi-codegen.
//
// Airflow's document (as its client's generator writes it) puts OpenAPI 3.0
// "nullable" under a 3.1.0 header and uses a few 3.1 keywords; the filtered
// document is plain OpenAPI 3.0.3: the header says so, each "const" is the
// one-value enum it means, each tuple ("prefixItems") an array of that
// length whose items are any of the tuple's schemas, and a numeric
// "exclusiveMinimum" is 3.0's minimum with exclusiveMinimum true, and an
// alternative of type "null" makes its one other inline schema nullable, or
// else becomes the schema {nullable: true, enum: [null]}, which also stands
// beside a nullable $ref.
//
// Usage: go run ./internal/api/airflowspec/filter -spec v2.yaml -ops operations.txt -o filtered.json
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"

	"sigs.k8s.io/yaml"
)

func main() {
	spec := flag.String("spec", "", "Airflow's OpenAPI document (YAML or JSON)")
	opsFile := flag.String("ops", "", "file of the operation ids to keep, one per line (# comments)")
	out := flag.String("o", "", "output file (JSON)")
	models := flag.Bool("models", false, "write the input of the models' generation: every property required, a nullable $ref kept as one")
	flag.Parse()
	if err := run(*spec, *opsFile, *out, *models); err != nil {
		fmt.Fprintln(os.Stderr, "filter:", err)
		os.Exit(1)
	}
}

func run(specPath, opsPath, outPath string, models bool) error {
	if specPath == "" || opsPath == "" || outPath == "" {
		return errors.New("-spec, -ops and -o are required")
	}
	raw, err := os.ReadFile(specPath) //nolint:gosec // G304: the document the developer names
	if err != nil {
		return err
	}
	ops, err := readOps(opsPath)
	if err != nil {
		return err
	}
	js, err := yaml.YAMLToJSON(raw)
	if err != nil {
		return fmt.Errorf("%s: %w", specPath, err)
	}
	var doc map[string]any
	if err := json.Unmarshal(js, &doc); err != nil {
		return fmt.Errorf("%s: %w", specPath, err)
	}
	filtered, err := filter(doc, ops)
	if err != nil {
		return err
	}
	filtered["openapi"] = "3.0.3"
	to30(filtered)
	if models {
		forModels(filtered)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(filtered); err != nil {
		return err
	}
	return os.WriteFile(outPath, buf.Bytes(), 0o600)
}

func readOps(path string) (map[string]bool, error) {
	f, err := os.Open(path) //nolint:gosec // G304: the list the developer names
	if err != nil {
		return nil, err
	}
	defer f.Close()
	ops := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		ops[line] = true
	}
	return ops, sc.Err()
}

// filter returns doc with only the operations in ops and the schemas they
// reach; an operation id in ops that doc lacks is an error.
func filter(doc map[string]any, ops map[string]bool) (map[string]any, error) {
	paths, _ := doc["paths"].(map[string]any)
	keptPaths := map[string]any{}
	found := map[string]bool{}
	var refs []string
	for p, item := range paths {
		methods, _ := item.(map[string]any)
		kept := map[string]any{}
		for m, op := range methods {
			o, _ := op.(map[string]any)
			id, _ := o["operationId"].(string)
			if !ops[id] {
				continue
			}
			found[id] = true
			kept[m] = op
			refs = collectRefs(op, refs)
		}
		if len(kept) > 0 {
			keptPaths[p] = kept
		}
	}
	var missing []string
	for id := range ops {
		if !found[id] {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return nil, fmt.Errorf("operations not in the document: %s", strings.Join(missing, ", "))
	}
	comps, _ := doc["components"].(map[string]any)
	schemas, _ := comps["schemas"].(map[string]any)
	keptSchemas := map[string]any{}
	for len(refs) > 0 {
		name := refs[len(refs)-1]
		refs = refs[:len(refs)-1]
		if _, done := keptSchemas[name]; done {
			continue
		}
		s, ok := schemas[name]
		if !ok {
			return nil, fmt.Errorf("schema %s is referenced but not defined", name)
		}
		keptSchemas[name] = s
		refs = collectRefs(s, refs)
	}
	out := map[string]any{"paths": keptPaths}
	for _, k := range []string{"openapi", "info", "servers", "security", "tags"} {
		if v, ok := doc[k]; ok {
			out[k] = v
		}
	}
	keptComps := map[string]any{"schemas": keptSchemas}
	for k, v := range comps {
		if k != "schemas" {
			keptComps[k] = v
		}
	}
	out["components"] = keptComps
	return out, nil
}

// collectRefs appends the schema names v refers to (#/components/schemas/X).
func collectRefs(v any, refs []string) []string {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			if s, ok := x.(string); k == "$ref" && ok {
				if name, ok := strings.CutPrefix(s, "#/components/schemas/"); ok {
					refs = append(refs, name)
				}
				continue
			}
			refs = collectRefs(x, refs)
		}
	case []any:
		for _, x := range t {
			refs = collectRefs(x, refs)
		}
	}
	return refs
}

// to30 rewrites the 3.1 keywords of every schema under v as OpenAPI 3.0
// says the same.
func to30(v any) {
	switch t := v.(type) {
	case map[string]any:
		if ref, ok := t["$ref"]; ok && t["nullable"] == true {
			// 3.0 ignores the siblings of a $ref.
			delete(t, "$ref")
			delete(t, "nullable")
			t["anyOf"] = []any{map[string]any{"$ref": ref}, nullOnly()}
		}
		if c, ok := t["const"]; ok {
			delete(t, "const")
			t["enum"] = []any{c}
		}
		if items, ok := t["prefixItems"].([]any); ok {
			delete(t, "prefixItems")
			var alts []any
			for _, it := range items {
				if !slices.ContainsFunc(alts, func(a any) bool { return fmt.Sprint(a) == fmt.Sprint(it) }) {
					alts = append(alts, it)
				}
			}
			if len(alts) == 1 {
				t["items"] = alts[0]
			} else {
				t["items"] = map[string]any{"anyOf": alts}
			}
			t["minItems"], t["maxItems"] = len(items), len(items)
		}
		for _, k := range []string{"anyOf", "oneOf"} {
			alts, ok := t[k].([]any)
			if !ok {
				continue
			}
			kept := slices.DeleteFunc(slices.Clone(alts), func(a any) bool {
				m, ok := a.(map[string]any)
				return ok && len(m) == 1 && m["type"] == "null"
			})
			if len(kept) == len(alts) {
				continue
			}
			one, inline := kept[0].(map[string]any)
			if _, isRef := one["$ref"]; len(kept) > 1 || !inline || isRef {
				// A sibling of $ref is ignored in 3.0, and validators check
				// the alternatives before nullable: null stays an
				// alternative, the one schema that takes only null.
				t[k] = append(kept, nullOnly())
				continue
			}
			delete(t, k)
			t["nullable"] = true
			for kk, vv := range one {
				if _, taken := t[kk]; !taken {
					t[kk] = vv
				}
			}
		}
		if m, ok := t["exclusiveMinimum"].(float64); ok {
			t["minimum"], t["exclusiveMinimum"] = m, true
		}
		for _, x := range t {
			to30(x)
		}
	case []any:
		for _, x := range t {
			to30(x)
		}
	}
}

// forModels rewrites the document as the models' generator should read it:
// Airflow answers every field of a response model, null or not, so every
// property is required (the Go field has no omitempty and a nullable one
// encodes as null), and a nullable $ref is the $ref with nullable (a
// pointer to that model, not a union with null).
func forModels(v any) {
	switch t := v.(type) {
	case map[string]any:
		if alts, ok := t["anyOf"].([]any); ok && len(alts) == 2 && fmt.Sprint(alts[1]) == fmt.Sprint(nullOnly()) {
			if ref, ok := alts[0].(map[string]any); ok && ref["$ref"] != nil {
				delete(t, "anyOf")
				t["allOf"], t["nullable"] = []any{ref}, true
			}
		}
		if props, ok := t["properties"].(map[string]any); ok && len(props) > 0 {
			t["required"] = slices.Sorted(maps.Keys(props))
		}
		for _, x := range t {
			forModels(x)
		}
	case []any:
		for _, x := range t {
			forModels(x)
		}
	}
}

// nullOnly is the OpenAPI 3.0 schema that takes null and nothing else.
func nullOnly() map[string]any { return map[string]any{"nullable": true, "enum": []any{nil}} }
