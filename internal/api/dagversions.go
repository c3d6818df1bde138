package api

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/dagworker/dagworker/internal/api/airflowspec"
)

// DAGVersionCollectionResponse is Airflow's DAGVersionCollectionResponse.
type DAGVersionCollectionResponse = airflowspec.DAGVersionCollectionResponse

// versions returns the versions of d, its loaded definition recorded
// first (none without a version store).
func (s *Server) versions(ctx context.Context, d DAGInfo) ([]DagVersionResponse, error) {
	if s.cfg.Versions == nil {
		return nil, nil
	}
	vs, err := s.cfg.Versions.DagVersions(ctx, d.ID, d.Version)
	if err != nil {
		return nil, err
	}
	out := make([]DagVersionResponse, len(vs))
	for i, v := range vs {
		out[i] = dagVersion(d.ID, v.Version, v.Number, v.Created)
	}
	return out, nil
}

// handleDagVersions is GET /api/v2/dags/{dag_id}/dagVersions (~ for every
// DAG): the distinct definitions the DAG had, numbered in the order they
// were first seen (by a run, or by the API showing the loaded DAG).
func (s *Server) handleDagVersions(w http.ResponseWriter, r *http.Request) {
	q := newQuery(r)
	limit, offset := q.page()
	number := q.v.Get("version_number")
	bundleName, bundleVersion := q.str("bundle_name"), q.str("bundle_version")
	if err := q.err(); err != nil {
		s.writeError(w, r, err)
		return
	}
	order, err := orderByParam(r, []string{"id", "version_number", "bundle_name", "bundle_version"})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	want := -1
	if number != "" {
		if want, err = intParam("query", "version_number", number); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	var dags []DAGInfo
	if id := r.PathValue("dag_id"); id == "~" {
		dags = s.cfg.DAGs.DAGs()
	} else {
		d, err := s.findDAG(id)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		dags = []DAGInfo{d}
	}
	out := []DagVersionResponse{}
	for _, d := range dags {
		vs, err := s.versions(r.Context(), d)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		for _, v := range vs {
			// dagworker has no DAG bundles: a bundle filter matches nothing
			if (want >= 0 && v.VersionNumber != want) || bundleName != "" || bundleVersion != "" {
				continue
			}
			out = append(out, v)
		}
	}
	// Airflow's ids are time-ordered, so id and version_number both sort
	// by age; bundle fields are null everywhere, which keeps the order.
	slices.SortStableFunc(out, func(a, b DagVersionResponse) int { return a.CreatedAt.Compare(b.CreatedAt) })
	if strings.HasPrefix(order, "-") {
		slices.Reverse(out)
	}
	writeJSON(w, http.StatusOK, DAGVersionCollectionResponse{DagVersions: page(out, offset, limit), TotalEntries: len(out)})
}

// handleDagVersion is GET /api/v2/dags/{dag_id}/dagVersions/{version_number}.
func (s *Server) handleDagVersion(w http.ResponseWriter, r *http.Request) {
	raw := r.PathValue("version_number")
	n, err := intParam("path", "version_number", raw)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	d, err := s.findDAG(r.PathValue("dag_id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	vs, err := s.versions(r.Context(), d)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	for _, v := range vs {
		if v.VersionNumber == n {
			writeJSON(w, http.StatusOK, v)
			return
		}
	}
	s.writeError(w, r, httpErr(http.StatusNotFound, "The DagVersion with dag_id: `%s` and version_number: `%d` was not found", d.ID, n))
}
