package dag

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestSchemaMatchesParser keeps dag.schema.json in step with the parser's
// key tables, in both directions.
func TestSchemaMatchesParser(t *testing.T) {
	t.Parallel()
	var s struct {
		Defs map[string]struct {
			Properties map[string]json.RawMessage `json:"properties"`
		} `json:"$defs"`
	}
	require.NoError(t, json.Unmarshal(Schema(), &s))
	props := func(def string) []string {
		var out []string
		for k := range s.Defs[def].Properties {
			out = append(out, k)
		}
		sort.Strings(out)
		return out
	}
	tests := []struct {
		def  string
		keys []string
	}{
		{"dag", keysOf(set(dagKeys(), dagIgnoredKeys()))},
		{"dag_defaults", keysOf(set(dagKeys(), dagIgnoredKeys()))},
		{"task", keysOf(set(taskStructureKeys(), taskSettingKeys(), taskIgnoredKeys(), taskOwnKeys()))},
		{"default_args", keysOf(set(taskSettingKeys(), defaultArgsKeys(), taskIgnoredKeys()))},
		{"settings", keysOf(set(taskSettingKeys()))},
		{"task_group", keysOf(set(groupKeys()))},
		{"timedelta", keysOf(set(timedeltaKeys()))},
	}
	for _, tc := range tests {
		require.Equal(t, tc.keys, props(tc.def), tc.def)
	}
	var rules struct {
		Enum []string `json:"enum"`
	}
	require.NoError(t, json.Unmarshal(s.Defs["settings"].Properties["trigger_rule"], &rules))
	require.Len(t, rules.Enum, len(TriggerRules()))
}

// TestValidFixturesMatchSchema: every valid fixture and shipped DAG passes the schema.
func TestValidFixturesMatchSchema(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("testdata/valid/*.yaml")
	require.NoError(t, err)
	shipped, err := filepath.Glob("../../dags/*.yaml")
	require.NoError(t, err)
	files = append(files, shipped...)
	require.GreaterOrEqual(t, len(files), 3)
	for _, f := range files {
		src, err := os.ReadFile(f)
		require.NoError(t, err)
		require.NoError(t, ValidateSchema(src), f)
	}
	require.Error(t, ValidateSchema([]byte("x:\n  tasks: []\n  bogus: 1\n")))
}
