package dag

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

//go:embed dag.schema.json
var schemaJSON []byte

// Schema returns the JSON Schema (draft 2020-12) of the DAG file format, for
// editors and for `dagworker dags validate`.
func Schema() []byte { return bytes.Clone(schemaJSON) }

// ValidateSchema checks a DAG file against Schema. The file is decoded with
// the same limits as Parse (size, depth, alias budget).
func ValidateSchema(src []byte) error {
	root, err := decodeYAML("", src)
	if err != nil {
		return err
	}
	sch, err := compileSchema()
	if err != nil {
		return err
	}
	b, err := json.Marshal(root.toAny())
	if err != nil {
		return fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if err := sch.Validate(inst); err != nil {
		return fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	return nil
}

func compileSchema() (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schemaJSON))
	if err != nil {
		return nil, fmt.Errorf("dag schema: %w", err)
	}
	c := jsonschema.NewCompiler()
	const url = "dag.schema.json"
	if err := c.AddResource(url, doc); err != nil {
		return nil, fmt.Errorf("dag schema: %w", err)
	}
	return c.Compile(url)
}
