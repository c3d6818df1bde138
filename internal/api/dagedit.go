package api

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// DAGEditor removes what the store keeps of a DAG.
type DAGEditor interface {
	// DeleteDAG removes every run of the DAG with its task instances and
	// XComs, and its paused flag; the DAG file stays, so the DAG is listed
	// again as never paused or unpaused. ErrBusy when a task instance of it
	// is running.
	DeleteDAG(ctx context.Context, dagID string) error
}

// handleDeleteDAG is DELETE /api/v2/dags/{dag_id}: Airflow deletes the DAG's
// metadata (runs, task instances, XComs) and keeps its event log; 204, or
// 409 while a task instance of it runs.
func (s *Server) handleDeleteDAG(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("dag_id")
	if _, err := s.findDAG(id); err != nil {
		s.writeError(w, r, httpErr(http.StatusNotFound, "Dag with id: %s was not found", id))
		return
	}
	if s.cfg.DAGEditor == nil {
		s.writeError(w, r, httpErr(http.StatusNotImplemented, "deleting DAGs: %v", ErrUnsupported))
		return
	}
	err := s.cfg.DAGEditor.DeleteDAG(r.Context(), id)
	if errors.Is(err, ErrBusy) {
		err = httpErr(http.StatusConflict, "Task instances of dag with id: '%s' are still running", id)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// handlePatchDAGs is PATCH /api/v2/dags: pause or unpause the page (limit,
// offset) of the DAGs the filters select, answered as they are afterwards.
func (s *Server) handlePatchDAGs(w http.ResponseWriter, r *http.Request) {
	q := newQuery(r)
	limit := q.intv("limit", defaultLimit, 0, maxLimit)
	offset := q.intv("offset", 0, 0, 1<<31-1)
	paused := q.boolp("paused")
	_ = q.boolp("exclude_stale") // every loaded DAG is fresh
	tags, owners := q.list("tags"), q.list("owners")
	matchAll := q.str("tags_match_mode") == "all"
	if err := q.err(); err != nil {
		s.writeError(w, r, err)
		return
	}
	if mask := q.list("update_mask"); len(mask) > 0 && !slices.Equal(mask, []string{"is_paused"}) {
		s.writeError(w, r, httpErr(http.StatusBadRequest, "Only `is_paused` field can be updated through the REST API"))
		return
	}
	var body struct {
		IsPaused *bool `json:"is_paused"`
	}
	if err := s.decodeBody(r, &body); err != nil {
		s.writeError(w, r, err)
		return
	}
	if body.IsPaused == nil {
		s.writeError(w, r, unprocessable([]any{"body", "is_paused"}, "missing", "Field required"))
		return
	}
	pattern := q.str("dag_id_pattern")
	var sel []DAGInfo
	for _, d := range s.cfg.DAGs.DAGs() {
		if pattern != "" && !likePattern(pattern).MatchString(d.ID) {
			continue
		}
		if len(tags) > 0 && !tagsMatch(d.Tags, tags, matchAll) {
			continue
		}
		if len(owners) > 0 && !slices.ContainsFunc(d.Owners, func(o string) bool { return slices.Contains(owners, o) }) {
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
		sel = append(sel, d)
	}
	total := len(sel)
	out := []DAGResponse{}
	var ids []string
	for _, d := range page(sel, offset, limit) {
		if err := s.cfg.Pauses.SetPaused(r.Context(), d.ID, *body.IsPaused); err != nil {
			s.writeError(w, r, err)
			return
		}
		ids = append(ids, d.ID)
		out = append(out, toDAG(d, *body.IsPaused))
	}
	audit(r, "", "dag_ids="+strings.Join(ids, ",")+" is_paused="+strconv.FormatBool(*body.IsPaused))
	writeJSON(w, http.StatusOK, DAGCollectionResponse{Dags: out, TotalEntries: total})
}
