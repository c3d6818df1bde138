package runstore

import (
	"context"
	"encoding/json"
	"fmt"
)

// VariableValues returns every Airflow variable's value (key → value), for
// {{ var.value.x }} and {{ var.json.x }} in templates. The API's variable
// operations write the hash (Keys.Variables); entries that do not decode
// are left out.
func (s *Store) VariableValues(ctx context.Context) (map[string]string, error) {
	m, err := s.rdb.HGetAll(ctx, s.keys.Variables()).Result()
	if err != nil {
		return nil, fmt.Errorf("variables: %w", err)
	}
	out := make(map[string]string, len(m))
	for k, raw := range m {
		var v struct {
			Value string `json:"value"`
		}
		if json.Unmarshal([]byte(raw), &v) == nil {
			out[k] = v.Value
		}
	}
	return out, nil
}
