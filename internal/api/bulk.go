package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// bulkBody is Airflow's BulkBody: create, update and delete actions over
// one kind of entity (PATCH /pools, PATCH /variables).
type bulkBody struct {
	Actions []struct {
		Action               string            `json:"action"`
		Entities             []json.RawMessage `json:"entities"`
		ActionOnExistence    string            `json:"action_on_existence"`
		ActionOnNonExistence string            `json:"action_on_non_existence"`
		UpdateMask           []string          `json:"update_mask"`
	} `json:"actions"`
}

// bulkKind is what a bulk endpoint does with its entities. An error that
// is an *apiError becomes an entry of the action's errors; any other
// error fails the request.
type bulkKind[B any] struct {
	// noun names the ids in Airflow's messages ("pools with these pool names").
	noun string
	// decode reads one create or update entity: its id and body.
	decode func(raw json.RawMessage) (id string, body B, err error)
	// exists reports whether the entity is stored.
	exists func(ctx context.Context, id string) (bool, error)
	create func(ctx context.Context, body B) error
	update func(ctx context.Context, id string, body B, mask []string) error
	del    func(ctx context.Context, id string) error
}

// serveBulk answers a bulk request as Airflow does: each action checks its
// ids first, and with action_on_existence (create) or
// action_on_non_existence (update, delete) "fail" one conflicting id fails
// the whole action with one error naming them all; "skip" leaves those ids
// out; "overwrite" replaces existing entities.
func serveBulk[B any](s *Server, w http.ResponseWriter, r *http.Request, k bulkKind[B]) {
	var body bulkBody
	if err := s.decodeBody(r, &body); err != nil {
		s.writeError(w, r, err)
		return
	}
	if body.Actions == nil {
		s.writeError(w, r, unprocessable([]any{"body", "actions"}, "missing", "Field required"))
		return
	}
	type entity struct {
		id   string
		body B
	}
	ctx := r.Context()
	var out BulkResponse
	var done []string
	for i, a := range body.Actions {
		slot := map[string]**BulkActionResponse{"create": &out.Create, "update": &out.Update, "delete": &out.Delete}[a.Action]
		if slot == nil {
			s.writeError(w, r, unprocessable([]any{"body", "actions", i, "action"}, "literal_error", "Input should be 'create', 'update' or 'delete'"))
			return
		}
		if *slot == nil {
			*slot = &BulkActionResponse{Success: []string{}, Errors: []map[string]any{}}
		}
		res := *slot
		ents := make([]entity, 0, len(a.Entities))
		for j, raw := range a.Entities {
			var e entity
			var err error
			if a.Action == "delete" && json.Unmarshal(raw, &e.id) == nil {
				ents = append(ents, e)
				continue
			}
			if e.id, e.body, err = k.decode(raw); err != nil {
				var ae *apiError
				if errors.As(err, &ae) {
					if fe, ok := ae.detail.([]fieldError); ok {
						// the entity's own loc ("body", field) under its place in the request
						for n := range fe {
							fe[n].Loc = append([]any{"body", "actions", i, "entities", j}, fe[n].Loc[min(1, len(fe[n].Loc)):]...)
						}
					}
				}
				s.writeError(w, r, err)
				return
			}
			ents = append(ents, e)
		}
		var present, absent []string
		have := map[string]bool{}
		for _, e := range ents {
			ok, err := k.exists(ctx, e.id)
			if err != nil {
				s.writeError(w, r, err)
				return
			}
			have[e.id] = ok
			if ok {
				present = append(present, e.id)
			} else {
				absent = append(absent, e.id)
			}
		}
		if a.Action == "create" && len(present) > 0 && a.ActionOnExistence != "skip" && a.ActionOnExistence != "overwrite" {
			res.Errors = append(res.Errors, map[string]any{"error": "The " + k.noun + ": " + pySet(present) + " already exist.", "status_code": http.StatusConflict})
			continue
		}
		if a.Action != "create" && len(absent) > 0 && a.ActionOnNonExistence != "skip" {
			res.Errors = append(res.Errors, map[string]any{"error": "The " + k.noun + ": " + pySet(absent) + " were not found.", "status_code": http.StatusNotFound})
			continue
		}
		for _, e := range ents {
			var err error
			switch {
			case a.Action == "create" && have[e.id] && a.ActionOnExistence == "skip":
				continue
			case a.Action == "create":
				err = k.create(ctx, e.body)
			case !have[e.id]:
				continue
			case a.Action == "update":
				err = k.update(ctx, e.id, e.body, a.UpdateMask)
			default:
				err = k.del(ctx, e.id)
			}
			var ae *apiError
			if errors.As(err, &ae) {
				res.Errors = append(res.Errors, map[string]any{"error": ae.message(), "status_code": ae.status})
				continue
			}
			if err != nil {
				s.writeError(w, r, err)
				return
			}
			res.Success = append(res.Success, e.id)
			done = append(done, a.Action+":"+e.id)
		}
	}
	audit(r, "", strings.Join(done, ","))
	writeJSON(w, http.StatusOK, out)
}

// message is the error's detail as one line for a bulk action's errors.
func (e *apiError) message() string {
	if d, ok := e.detail.(string); ok {
		return d
	}
	if fe, ok := e.detail.([]fieldError); ok && len(fe) > 0 {
		return fe[0].Msg
	}
	return fmt.Sprint(e.detail)
}

// pySet writes ids as Python prints a set of strings, as Airflow's
// messages show them: {'a', 'b'}.
func pySet(ids []string) string { return pyStrings(ids, "{", "}") }

// pyStrings is Python's repr of strings in a set ({...}) or a list ([...]).
func pyStrings(items []string, left, right string) string {
	q := make([]string, len(items))
	for i, it := range items {
		q[i] = "'" + it + "'"
	}
	return left + strings.Join(q, ", ") + right
}
