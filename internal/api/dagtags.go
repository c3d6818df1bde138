package api

import (
	"net/http"
	"slices"
	"strings"

	"github.com/dagworker/dagworker/internal/api/airflowspec"
)

// DAGTagCollectionResponse is Airflow's DAGTagCollectionResponse.
type DAGTagCollectionResponse = airflowspec.DAGTagCollectionResponse

// handleDAGTags is GET /api/v2/dagTags: the distinct tags of the loaded
// DAGs, by name (order_by=-name reverses), tag_name_pattern and
// tag_name_prefix_pattern filtering.
func (s *Server) handleDAGTags(w http.ResponseWriter, r *http.Request) {
	q := newQuery(r)
	limit, offset := q.page()
	pattern, prefix := q.str("tag_name_pattern"), q.str("tag_name_prefix_pattern")
	if err := q.err(); err != nil {
		s.writeError(w, r, err)
		return
	}
	order, err := orderByParam(r, []string{"name"})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	keep := func(string) bool { return true }
	if pattern != "" {
		keep = likePattern(pattern).MatchString
	}
	var tags []string
	for _, d := range s.cfg.DAGs.DAGs() {
		for _, t := range d.Tags {
			if keep(t) && strings.HasPrefix(t, prefix) {
				tags = append(tags, t)
			}
		}
	}
	slices.Sort(tags)
	tags = slices.Compact(tags)
	if strings.HasPrefix(order, "-") {
		slices.Reverse(tags)
	}
	writeJSON(w, http.StatusOK, DAGTagCollectionResponse{Tags: page(tags, offset, limit), TotalEntries: len(tags)})
}
