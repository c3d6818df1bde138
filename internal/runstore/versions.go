package runstore

import (
	"context"
	_ "embed"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

//go:embed lua/version.lua
var luaVersion string

// DagVersion is one version of a DAG's definition: a distinct content
// (DAG.Version, a hash) numbered 1, 2, ... in the order the store first saw
// them, when a run used it or RecordDagVersion was called.
type DagVersion struct {
	DagID   string
	Version string
	Number  int
	Created time.Time
}

// RecordDagVersion records version of the DAG (when the store has not seen
// it) and returns it with its number.
func (s *Store) RecordDagVersion(ctx context.Context, dagID, version string) (DagVersion, error) {
	if err := CheckID("dag", dagID); err != nil {
		return DagVersion{}, err
	}
	v, err := s.call(ctx, scriptVersion, []string{s.keys.Tag(dagID)}, version, ms(s.now())).Text()
	if err != nil {
		return DagVersion{}, fmt.Errorf("record version of dag %q: %w", dagID, err)
	}
	return DagVersion{DagID: dagID, Version: version, Number: versionNumber(v), Created: versionCreated(v)}, nil
}

// DagVersions returns the versions of a DAG the store has seen, oldest
// (number 1) first.
func (s *Store) DagVersions(ctx context.Context, dagID string) ([]DagVersion, error) {
	m, err := s.rdb.HGetAll(ctx, s.keys.Versions(dagID)).Result()
	if err != nil {
		return nil, fmt.Errorf("versions of dag %q: %w", dagID, err)
	}
	out := make([]DagVersion, 0, len(m))
	for ver, v := range m {
		out = append(out, DagVersion{DagID: dagID, Version: ver, Number: versionNumber(v), Created: versionCreated(v)})
	}
	slices.SortFunc(out, func(a, b DagVersion) int { return a.Number - b.Number })
	return out, nil
}

// versionNumber and versionCreated read a "<number>:<ms>" version record.
func versionNumber(v string) int {
	n, _, _ := strings.Cut(v, ":")
	i, _ := strconv.Atoi(n)
	return i
}

func versionCreated(v string) time.Time {
	_, at, _ := strings.Cut(v, ":")
	return fromMS(at)
}
