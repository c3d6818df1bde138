package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/dagworker/dagworker/internal/api/airflowspec"
)

// PoolStore keeps the pools the workers enforce.
type PoolStore interface {
	// Pools returns every pool, default_pool included, sorted by name.
	Pools(ctx context.Context) ([]Pool, error)
	// Pool returns one pool or ErrNotFound.
	Pool(ctx context.Context, name string) (Pool, error)
	// PutPool stores p; with create it is ErrExists when the name is taken.
	PutPool(ctx context.Context, p Pool, create bool) error
	// DeletePool removes a pool or answers ErrNotFound.
	DeletePool(ctx context.Context, name string) error
}

// PoolResponse is Airflow's PoolResponse.
type PoolResponse = airflowspec.PoolResponse

// PoolCollectionResponse is Airflow's PoolCollectionResponse.
type PoolCollectionResponse = airflowspec.PoolCollectionResponse

// poolBody is Airflow's PoolBody (and, with Pool, its PoolPatchBody).
type poolBody struct {
	Name            *string `json:"name,omitempty"`
	Pool            *string `json:"pool,omitempty"`
	Slots           *int    `json:"slots,omitempty"`
	Description     *string `json:"description,omitempty"`
	IncludeDeferred *bool   `json:"include_deferred,omitempty"`
	TeamName        *string `json:"team_name,omitempty"`
}

// BulkActionResponse is Airflow's BulkActionResponse.
type BulkActionResponse = airflowspec.BulkActionResponse

// BulkResponse is Airflow's BulkResponse.
type BulkResponse = airflowspec.BulkResponse

// poolUsage is the slots the task instances of unfinished runs take in a pool.
type poolUsage struct{ running, queued, scheduled int }

func (s *Server) pools() (PoolStore, error) {
	if s.cfg.Pools == nil {
		return nil, fmt.Errorf("pools: %w", ErrUnsupported)
	}
	return s.cfg.Pools, nil
}

func poolNotFound(name string) error {
	return httpErr(http.StatusNotFound, "The Pool with name: `%s` was not found", name)
}

// usage counts the pool slots of the task instances of every queued or
// running run: running, queued (dispatched, not started) and scheduled
// (waiting for a max_active_tasks slot).
func (s *Server) usage(ctx context.Context) (map[string]poolUsage, error) {
	out := map[string]poolUsage{}
	err := s.eachRun(ctx, "~", []RunState{RunRunning, RunQueued}, func(run Run) error {
		tis, err := s.cfg.Tasks.TaskInstances(ctx, run.DagID, run.RunID)
		if err != nil {
			if errors.Is(err, ErrNotFound) {
				return nil // deleted meanwhile
			}
			return err
		}
		for _, ti := range tis {
			name := orDefault(ti.Pool, DefaultPoolName)
			u := out[name]
			n := max(1, ti.PoolSlots)
			switch ti.State {
			case "running":
				u.running += n
			case "queued":
				u.queued += n
			case "scheduled":
				u.scheduled += n
			}
			out[name] = u
		}
		return nil
	})
	return out, err
}

func toPool(p Pool, u poolUsage) PoolResponse {
	occupied := u.running + u.queued
	open := max(0, p.Slots-occupied)
	if p.Slots < 0 {
		open = -1
	}
	return PoolResponse{Name: p.Name, Slots: p.Slots, Description: p.Description, IncludeDeferred: p.IncludeDeferred,
		OccupiedSlots: occupied, RunningSlots: u.running, QueuedSlots: u.queued, ScheduledSlots: u.scheduled, OpenSlots: open}
}

// handleListPools is GET /api/v2/pools.
func (s *Server) handleListPools(w http.ResponseWriter, r *http.Request) {
	store, err := s.pools()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	q := newQuery(r)
	limit, offset := q.page()
	if err := q.err(); err != nil {
		s.writeError(w, r, err)
		return
	}
	order, err := orderByParam(r, []string{"id", "pool", "name"})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ps, err := store.Pools(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	use, err := s.usage(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := []PoolResponse{}
	pattern := q.str("pool_name_pattern")
	for _, p := range ps {
		if pattern == "" || likePattern(pattern).MatchString(p.Name) {
			out = append(out, toPool(p, use[p.Name]))
		}
	}
	if strings.TrimPrefix(order, "-") == "id" {
		// Airflow's ids follow creation; default_pool is the first.
		slices.SortStableFunc(out, func(a, b PoolResponse) int {
			return boolCmp(b.Name == DefaultPoolName, a.Name == DefaultPoolName)
		})
	}
	if strings.HasPrefix(order, "-") {
		slices.Reverse(out)
	}
	writeJSON(w, http.StatusOK, PoolCollectionResponse{Pools: page(out, offset, limit), TotalEntries: len(out)})
}

func boolCmp(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// handleGetPool is GET /api/v2/pools/{pool_name}.
func (s *Server) handleGetPool(w http.ResponseWriter, r *http.Request) {
	store, err := s.pools()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	name := r.PathValue("pool_name")
	p, err := store.Pool(r.Context(), name)
	if errors.Is(err, ErrNotFound) {
		err = poolNotFound(name)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.answerPool(w, r, http.StatusOK, p)
}

func (s *Server) answerPool(w http.ResponseWriter, r *http.Request, status int, p Pool) {
	use, err := s.usage(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, status, toPool(p, use[p.Name]))
}

// checkPoolBody checks a PoolBody: name (1 to 256 characters) and slots
// (at least -1) are required.
func checkPoolBody(b poolBody) (Pool, []fieldError) {
	var errs []fieldError
	if b.Name == nil {
		errs = append(errs, fieldError{Type: "missing", Loc: []any{"body", "name"}, Msg: "Field required"})
	} else if *b.Name == "" || len(*b.Name) > 256 {
		errs = append(errs, fieldError{Type: "string_too_long", Loc: []any{"body", "name"}, Msg: "name must be 1 to 256 characters", Input: *b.Name})
	}
	if b.Slots == nil {
		errs = append(errs, fieldError{Type: "missing", Loc: []any{"body", "slots"}, Msg: "Field required"})
	} else if *b.Slots < -1 {
		errs = append(errs, fieldError{Type: "greater_than_equal", Loc: []any{"body", "slots"}, Msg: "Input should be greater than or equal to -1",
			Input: *b.Slots, Ctx: map[string]any{"ge": -1}})
	}
	if len(errs) > 0 {
		return Pool{}, errs
	}
	p := Pool{Name: *b.Name, Slots: *b.Slots, Description: b.Description}
	if b.IncludeDeferred != nil {
		p.IncludeDeferred = *b.IncludeDeferred
	}
	return p, nil
}

// handlePostPool is POST /api/v2/pools (409 when the name is taken).
func (s *Server) handlePostPool(w http.ResponseWriter, r *http.Request) {
	store, err := s.pools()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var body poolBody
	if err := s.decodeBody(r, &body); err != nil {
		s.writeError(w, r, err)
		return
	}
	p, errs := checkPoolBody(body)
	if len(errs) > 0 {
		s.writeError(w, r, &apiError{status: http.StatusUnprocessableEntity, detail: errs})
		return
	}
	err = store.PutPool(r.Context(), p, true)
	if errors.Is(err, ErrExists) {
		err = conflict("The Pool with name: `%s` already exists", p.Name)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	audit(r, "", "pool="+p.Name)
	s.answerPool(w, r, http.StatusCreated, p)
}

// handlePatchPool is PATCH /api/v2/pools/{pool_name}: the fields given (or
// those update_mask names) change; "pool" renames it. default_pool can
// only change its slots and include_deferred.
func (s *Server) handlePatchPool(w http.ResponseWriter, r *http.Request) {
	store, err := s.pools()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	name := r.PathValue("pool_name")
	var body poolBody
	if err := s.decodeBody(r, &body); err != nil {
		s.writeError(w, r, err)
		return
	}
	p, err := s.patchPool(r.Context(), store, name, body, newQuery(r).list("update_mask"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	audit(r, "", "pool="+p.Name)
	s.answerPool(w, r, http.StatusOK, p)
}

func (s *Server) patchPool(ctx context.Context, store PoolStore, name string, body poolBody, mask []string) (Pool, error) {
	cur, err := store.Pool(ctx, name)
	if errors.Is(err, ErrNotFound) {
		return Pool{}, poolNotFound(name)
	}
	if err != nil {
		return Pool{}, err
	}
	set := map[string]bool{"pool": body.Pool != nil || body.Name != nil, "slots": body.Slots != nil,
		"description": body.Description != nil, "include_deferred": body.IncludeDeferred != nil}
	if len(mask) > 0 {
		for k := range set {
			set[k] = slices.Contains(mask, k) || (k == "pool" && slices.Contains(mask, "name"))
		}
	}
	newName := name
	if set["pool"] {
		switch {
		case body.Pool != nil:
			newName = *body.Pool
		case body.Name != nil:
			newName = *body.Name
		}
	}
	if name == DefaultPoolName && (newName != name || set["description"]) {
		return Pool{}, httpErr(http.StatusBadRequest, "Only slots and included_deferred can be modified on Default Pool")
	}
	if set["slots"] {
		if body.Slots == nil || *body.Slots < -1 {
			return Pool{}, unprocessable([]any{"body", "slots"}, "greater_than_equal", "Input should be greater than or equal to -1")
		}
		cur.Slots = *body.Slots
	}
	if set["description"] {
		cur.Description = body.Description
	}
	if set["include_deferred"] && body.IncludeDeferred != nil {
		cur.IncludeDeferred = *body.IncludeDeferred
	}
	if newName == "" || len(newName) > 256 {
		return Pool{}, unprocessable([]any{"body", "pool"}, "string_too_long", "the pool name must be 1 to 256 characters")
	}
	if newName != name {
		cur.Name = newName
		if err := store.PutPool(ctx, cur, true); err != nil {
			if errors.Is(err, ErrExists) {
				return Pool{}, conflict("The Pool with name: `%s` already exists", newName)
			}
			return Pool{}, err
		}
		if err := store.DeletePool(ctx, name); err != nil && !errors.Is(err, ErrNotFound) {
			return Pool{}, err
		}
		return cur, nil
	}
	return cur, store.PutPool(ctx, cur, false)
}

// handleDeletePool is DELETE /api/v2/pools/{pool_name}.
func (s *Server) handleDeletePool(w http.ResponseWriter, r *http.Request) {
	store, err := s.pools()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	name := r.PathValue("pool_name")
	if name == DefaultPoolName {
		s.writeError(w, r, httpErr(http.StatusBadRequest, "Default Pool can't be deleted"))
		return
	}
	err = store.DeletePool(r.Context(), name)
	if errors.Is(err, ErrNotFound) {
		err = poolNotFound(name)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// handleBulkPools is PATCH /api/v2/pools: create, update and delete
// actions (default_pool cannot be deleted).
func (s *Server) handleBulkPools(w http.ResponseWriter, r *http.Request) {
	store, err := s.pools()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	serveBulk(s, w, r, bulkKind[poolBody]{
		noun: "pools with these pool names",
		decode: func(raw json.RawMessage) (string, poolBody, error) {
			var pb poolBody
			if err := json.Unmarshal(raw, &pb); err != nil {
				return "", pb, unprocessable([]any{"body"}, "model_type", "Input should be a valid pool: %v", err)
			}
			if pb.Name == nil {
				return "", pb, unprocessable([]any{"body", "name"}, "missing", "Field required")
			}
			return *pb.Name, pb, nil
		},
		exists: func(ctx context.Context, name string) (bool, error) {
			_, err := store.Pool(ctx, name)
			if errors.Is(err, ErrNotFound) {
				return false, nil
			}
			return err == nil, err
		},
		create: func(ctx context.Context, pb poolBody) error {
			p, errs := checkPoolBody(pb)
			if len(errs) > 0 {
				return &apiError{status: http.StatusUnprocessableEntity, detail: errs}
			}
			return store.PutPool(ctx, p, false)
		},
		update: func(ctx context.Context, name string, pb poolBody, mask []string) error {
			_, err := s.patchPool(ctx, store, name, poolBody{Slots: pb.Slots, Description: pb.Description, IncludeDeferred: pb.IncludeDeferred}, mask)
			return err
		},
		del: func(ctx context.Context, name string) error {
			if name == DefaultPoolName {
				return httpErr(http.StatusBadRequest, "Default Pool can't be deleted")
			}
			return store.DeletePool(ctx, name)
		},
	})
}
