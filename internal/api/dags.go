package api

import (
	"context"
	"net/http"
	"slices"
	"strings"
)

// findDAG returns the loaded DAG with the id, or a 404.
func (s *Server) findDAG(id string) (DAGInfo, error) {
	for _, d := range s.cfg.DAGs.DAGs() {
		if d.ID == id {
			return d, nil
		}
	}
	return DAGInfo{}, httpErr(http.StatusNotFound, "The Dag with ID: `%s` was not found", id)
}

// dagIDs resolves a {dag_id} path value: "~" is every DAG.
func (s *Server) dagIDs(id string) ([]string, error) {
	if id == "~" {
		var ids []string
		for _, d := range s.cfg.DAGs.DAGs() {
			ids = append(ids, d.ID)
		}
		return ids, nil
	}
	if _, err := s.findDAG(id); err != nil {
		return nil, err
	}
	return []string{id}, nil
}

func (s *Server) paused(ctx context.Context, d DAGInfo) (bool, error) {
	p, set, err := s.cfg.Pauses.Paused(ctx, d.ID)
	if err != nil {
		return false, err
	}
	if !set {
		return d.PausedUponCreation, nil
	}
	return p, nil
}

// handleListDAGs is GET /api/v2/dags.
func (s *Server) handleListDAGs(w http.ResponseWriter, r *http.Request) {
	q := newQuery(r)
	limit := q.intv("limit", defaultLimit, 0, maxLimit)
	offset := q.intv("offset", 0, 0, 1<<31-1)
	paused := q.boolp("paused")
	tags := q.list("tags")
	matchAll := q.str("tags_match_mode") == "all"
	if err := q.err(); err != nil {
		s.writeError(w, r, err)
		return
	}
	orderBy, err := orderByParam(r, dagOrderKeys)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	pattern := q.str("dag_id_pattern")
	out := []DAGResponse{}
	for _, d := range s.cfg.DAGs.DAGs() {
		if pattern != "" && !likePattern(pattern).MatchString(d.ID) {
			continue
		}
		if len(tags) > 0 && !tagsMatch(d.Tags, tags, matchAll) {
			continue
		}
		p, err := s.paused(r.Context(), d)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if paused != nil && p != *paused {
			continue
		}
		out = append(out, toDAG(d, p))
	}
	desc := strings.HasPrefix(orderBy, "-")
	slices.SortStableFunc(out, func(a, b DAGResponse) int {
		c := strings.Compare(a.DagID, b.DagID)
		if desc {
			return -c
		}
		return c
	})
	writeJSON(w, http.StatusOK, DAGCollectionResponse{Dags: page(out, offset, limit), TotalEntries: len(out)})
}

func tagsMatch(have, want []string, all bool) bool {
	for _, t := range want {
		ok := slices.Contains(have, t)
		if all && !ok {
			return false
		}
		if !all && ok {
			return true
		}
	}
	return all
}

// handleGetDAG is GET /api/v2/dags/{dag_id}.
func (s *Server) handleGetDAG(w http.ResponseWriter, r *http.Request) {
	d, err := s.findDAG(r.PathValue("dag_id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	p, err := s.paused(r.Context(), d)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toDAG(d, p))
}

// handlePatchDAG is PATCH /api/v2/dags/{dag_id}: pause or unpause.
func (s *Server) handlePatchDAG(w http.ResponseWriter, r *http.Request) {
	d, err := s.findDAG(r.PathValue("dag_id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var body struct {
		IsPaused *bool `json:"is_paused"`
	}
	if err := s.decodeBody(r, &body); err != nil {
		s.writeError(w, r, err)
		return
	}
	if mask := r.URL.Query().Get("update_mask"); mask != "" && mask != "is_paused" {
		s.writeError(w, r, httpErr(http.StatusBadRequest, "Only `is_paused` field can be updated through the REST API"))
		return
	}
	if body.IsPaused == nil {
		s.writeError(w, r, unprocessable([]any{"body", "is_paused"}, "missing", "Field required"))
		return
	}
	if err := s.cfg.Pauses.SetPaused(r.Context(), d.ID, *body.IsPaused); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toDAG(d, *body.IsPaused))
}

// handleVersion is GET /api/v2/version.
func (s *Server) handleVersion(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"version": s.cfg.Version, "git_version": nil})
}

// handleHealth is GET /api/v2/monitor/health.
func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	status := "healthy"
	if s.cfg.Health != nil && s.cfg.Health(r.Context()) != nil {
		status = "unhealthy"
	}
	now := s.cfg.Clock().UTC()
	writeJSON(w, http.StatusOK, map[string]any{
		"metadatabase":  map[string]any{"status": status},
		"scheduler":     map[string]any{"status": status, "latest_scheduler_heartbeat": now},
		"triggerer":     map[string]any{"status": nil, "latest_triggerer_heartbeat": nil},
		"dag_processor": map[string]any{"status": status, "latest_dag_processor_heartbeat": now},
	})
}
