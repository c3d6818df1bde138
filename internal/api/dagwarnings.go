package api

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/dagworker/dagworker/internal/api/airflowspec"
)

// dagWarningTypes are Airflow's DagWarningType values.
var dagWarningTypes = []string{"asset conflict", "non-existent pool", "runtime varying value"}

// DAGWarningResponse is Airflow's DAGWarningResponse.
type DAGWarningResponse = airflowspec.DAGWarningResponse

// DAGWarningCollectionResponse is Airflow's DAGWarningCollectionResponse.
type DAGWarningCollectionResponse = airflowspec.DAGWarningCollectionResponse

// handleDAGWarnings is GET /api/v2/dagWarnings: the loaded DAGs whose tasks
// name pools that do not exist (their tasks then run without a slot
// limit), with Airflow's message. The timestamp is when the DAG's current
// definition was first seen.
func (s *Server) handleDAGWarnings(w http.ResponseWriter, r *http.Request) {
	q := newQuery(r)
	limit, offset := q.page()
	dagID, typ := q.str("dag_id"), q.str("warning_type")
	if err := q.err(); err != nil {
		s.writeError(w, r, err)
		return
	}
	if typ != "" && !slices.Contains(dagWarningTypes, typ) {
		expected := "'asset conflict', 'non-existent pool' or 'runtime varying value'"
		s.writeError(w, r, &apiError{status: http.StatusUnprocessableEntity, detail: []fieldError{{Type: "enum", Loc: []any{"query", "warning_type"},
			Msg: "Input should be " + expected, Input: typ, Ctx: map[string]any{"expected": expected}}}})
		return
	}
	order, err := orderByParam(r, []string{"dag_id", "warning_type", "message", "timestamp"})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var out []DAGWarningResponse
	if s.cfg.Pools != nil && (typ == "" || typ == "non-existent pool") {
		pools, err := s.cfg.Pools.Pools(r.Context())
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		known := map[string]bool{}
		for _, p := range pools {
			known[p.Name] = true
		}
		for _, d := range s.cfg.DAGs.DAGs() {
			if dagID != "" && d.ID != dagID {
				continue
			}
			var missing []string
			for _, t := range d.Tasks {
				if t.Pool != "" && !known[t.Pool] && !slices.Contains(missing, t.Pool) {
					missing = append(missing, t.Pool)
				}
			}
			if len(missing) == 0 {
				continue
			}
			slices.Sort(missing)
			at, err := s.firstSeen(r, d)
			if err != nil {
				s.writeError(w, r, err)
				return
			}
			out = append(out, DAGWarningResponse{DagID: d.ID, DagDisplayName: d.ID, WarningType: "non-existent pool",
				Message: fmt.Sprintf("Dag '%s' references non-existent pools: %s", d.ID, pyStrings(missing, "[", "]")), Timestamp: at})
		}
	}
	key := strings.TrimPrefix(order, "-")
	slices.SortStableFunc(out, func(a, b DAGWarningResponse) int {
		switch key {
		case "warning_type":
			return strings.Compare(string(a.WarningType), string(b.WarningType))
		case "message":
			return strings.Compare(a.Message, b.Message)
		case "timestamp":
			return a.Timestamp.Compare(b.Timestamp)
		}
		return strings.Compare(a.DagID, b.DagID)
	})
	if strings.HasPrefix(order, "-") {
		slices.Reverse(out)
	}
	writeJSON(w, http.StatusOK, DAGWarningCollectionResponse{DagWarnings: page(out, offset, limit), TotalEntries: len(out)})
}

// firstSeen is when d's loaded definition was first seen (now without a
// version store).
func (s *Server) firstSeen(r *http.Request, d DAGInfo) (time.Time, error) {
	if s.cfg.Versions != nil && d.Version != "" {
		vs, err := s.cfg.Versions.DagVersions(r.Context(), d.ID, d.Version)
		if err != nil {
			return time.Time{}, err
		}
		for _, v := range vs {
			if v.Version == d.Version {
				return v.Created.UTC(), nil
			}
		}
	}
	return s.cfg.Clock().UTC(), nil
}
