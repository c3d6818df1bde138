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

	"github.com/redis/go-redis/v9"
)

// Variable is one Airflow variable.
type Variable struct {
	Key         string  `json:"key"`
	Value       string  `json:"value"`
	Description *string `json:"description,omitempty"`
}

// VariableStore keeps Airflow variables.
type VariableStore interface {
	// Variables returns every variable, sorted by key.
	Variables(ctx context.Context) ([]Variable, error)
	// Variable returns one variable or ErrNotFound.
	Variable(ctx context.Context, key string) (Variable, error)
	// PutVariable stores v; with create it is ErrExists when the key is taken.
	PutVariable(ctx context.Context, v Variable, create bool) error
	// DeleteVariable removes a variable or answers ErrNotFound.
	DeleteVariable(ctx context.Context, key string) error
}

// VariableResponse is Airflow's VariableResponse.
type VariableResponse = airflowspec.VariableResponse

// VariableCollectionResponse is Airflow's VariableCollectionResponse.
type VariableCollectionResponse = airflowspec.VariableCollectionResponse

// variableBody is Airflow's VariableBody: the value is any JSON value (a
// string is stored as it is, anything else as its JSON text).
type variableBody struct {
	Key         *string         `json:"key"`
	Value       json.RawMessage `json:"value"`
	Description *string         `json:"description"`
}

// sensitiveWords are Airflow's default sensitive field names: a variable
// whose key holds one is answered with its value masked.
var sensitiveWords = []string{"access_token", "api_key", "apikey", "authorization", "passphrase", "passwd",
	"password", "private_key", "secret", "token", "keyfile_dict", "service_account"}

func toVariable(v Variable) VariableResponse {
	val := v.Value
	if sensitive(v.Key) {
		val = "***"
	}
	return VariableResponse{Key: v.Key, Value: val, Description: v.Description}
}

func (s *Server) variables() (VariableStore, error) {
	if s.cfg.Variables == nil {
		return nil, fmt.Errorf("variables: %w", ErrUnsupported)
	}
	return s.cfg.Variables, nil
}

func variableNotFound(key string) error {
	return httpErr(http.StatusNotFound, "The Variable with key: `%s` was not found", key)
}

// readVariableBody decodes and checks a VariableBody.
func (s *Server) readVariableBody(r *http.Request) (Variable, error) {
	var body variableBody
	if err := s.decodeBody(r, &body); err != nil {
		return Variable{}, err
	}
	return checkVariableBody(body)
}

// checkVariableBody checks a VariableBody and makes it a Variable.
func checkVariableBody(body variableBody) (Variable, error) {
	var errs []fieldError
	if body.Key == nil {
		errs = append(errs, fieldError{Type: "missing", Loc: []any{"body", "key"}, Msg: "Field required"})
	} else if *body.Key == "" || len(*body.Key) > 250 {
		errs = append(errs, fieldError{Type: "string_too_long", Loc: []any{"body", "key"}, Msg: "key must be 1 to 250 characters", Input: *body.Key})
	}
	if len(body.Value) == 0 {
		errs = append(errs, fieldError{Type: "missing", Loc: []any{"body", "value"}, Msg: "Field required"})
	}
	if len(errs) > 0 {
		return Variable{}, &apiError{status: http.StatusUnprocessableEntity, detail: errs}
	}
	v := Variable{Key: *body.Key, Value: string(body.Value), Description: body.Description}
	var str string
	if json.Unmarshal(body.Value, &str) == nil {
		v.Value = str
	}
	return v, nil
}

// handleListVariables is GET /api/v2/variables.
func (s *Server) handleListVariables(w http.ResponseWriter, r *http.Request) {
	store, err := s.variables()
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
	order, err := orderByParam(r, []string{"key", "id", "_val", "description", "is_encrypted"})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	vs, err := store.Variables(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := []VariableResponse{}
	pattern := q.str("variable_key_pattern")
	for _, v := range vs {
		if pattern == "" || likePattern(pattern).MatchString(v.Key) {
			out = append(out, toVariable(v))
		}
	}
	if key := strings.TrimPrefix(order, "-"); key == "_val" || key == "description" {
		slices.SortStableFunc(out, func(a, b VariableResponse) int {
			if key == "_val" {
				return strings.Compare(a.Value, b.Value)
			}
			return strings.Compare(deref(a.Description), deref(b.Description))
		})
	}
	if strings.HasPrefix(order, "-") {
		slices.Reverse(out)
	}
	writeJSON(w, http.StatusOK, VariableCollectionResponse{Variables: page(out, offset, limit), TotalEntries: len(out)})
}

// handleGetVariable is GET /api/v2/variables/{variable_key}.
func (s *Server) handleGetVariable(w http.ResponseWriter, r *http.Request) {
	store, err := s.variables()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	key := r.PathValue("variable_key")
	v, err := store.Variable(r.Context(), key)
	if errors.Is(err, ErrNotFound) {
		err = variableNotFound(key)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toVariable(v))
}

// handlePostVariable is POST /api/v2/variables (409 when the key exists).
func (s *Server) handlePostVariable(w http.ResponseWriter, r *http.Request) {
	store, err := s.variables()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	v, err := s.readVariableBody(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	err = store.PutVariable(r.Context(), v, true)
	if errors.Is(err, ErrExists) {
		err = httpErr(http.StatusConflict, "The Variable with key: `%s` already exists", v.Key)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, toVariable(v))
}

// handlePatchVariable is PATCH /api/v2/variables/{variable_key}: the body's
// key must be the path's; update_mask limits the fields changed.
func (s *Server) handlePatchVariable(w http.ResponseWriter, r *http.Request) {
	store, err := s.variables()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	key := r.PathValue("variable_key")
	v, err := s.readVariableBody(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if v.Key != key {
		s.writeError(w, r, httpErr(http.StatusBadRequest, "Invalid body, key from request body doesn't match uri parameter"))
		return
	}
	cur, err := store.Variable(r.Context(), key)
	if errors.Is(err, ErrNotFound) {
		err = variableNotFound(key)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	applyVariable(&cur, v, newQuery(r).list("update_mask"))
	if err := store.PutVariable(r.Context(), cur, false); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toVariable(cur))
}

// handleBulkVariables is PATCH /api/v2/variables: create, update and
// delete actions.
func (s *Server) handleBulkVariables(w http.ResponseWriter, r *http.Request) {
	store, err := s.variables()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	serveBulk(s, w, r, bulkKind[Variable]{
		noun: "variables with these keys",
		decode: func(raw json.RawMessage) (string, Variable, error) {
			var body variableBody
			if err := json.Unmarshal(raw, &body); err != nil {
				return "", Variable{}, unprocessable([]any{"body"}, "model_type", "Input should be a valid variable: %v", err)
			}
			v, err := checkVariableBody(body)
			return v.Key, v, err
		},
		exists: func(ctx context.Context, key string) (bool, error) {
			_, err := store.Variable(ctx, key)
			if errors.Is(err, ErrNotFound) {
				return false, nil
			}
			return err == nil, err
		},
		create: func(ctx context.Context, v Variable) error { return store.PutVariable(ctx, v, false) },
		update: func(ctx context.Context, key string, v Variable, mask []string) error {
			cur, err := store.Variable(ctx, key)
			if err != nil {
				return err
			}
			applyVariable(&cur, v, mask)
			return store.PutVariable(ctx, cur, false)
		},
		del: store.DeleteVariable,
	})
}

// applyVariable sets cur's fields from v: those update_mask names, or
// value and description without a mask.
func applyVariable(cur *Variable, v Variable, mask []string) {
	if len(mask) == 0 {
		cur.Value, cur.Description = v.Value, v.Description
		return
	}
	if slices.Contains(mask, "value") {
		cur.Value = v.Value
	}
	if slices.Contains(mask, "description") {
		cur.Description = v.Description
	}
}

// handleDeleteVariable is DELETE /api/v2/variables/{variable_key}.
func (s *Server) handleDeleteVariable(w http.ResponseWriter, r *http.Request) {
	store, err := s.variables()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	key := r.PathValue("variable_key")
	err = store.DeleteVariable(r.Context(), key)
	if errors.Is(err, ErrNotFound) {
		err = variableNotFound(key)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// RedisVariables keeps variables in one Redis hash (key → JSON of Variable).
type RedisVariables struct {
	Client redis.UniversalClient
	// Key is the hash, e.g. "<prefix>:variables".
	Key string
}

// Variables implements VariableStore.
func (rv *RedisVariables) Variables(ctx context.Context) ([]Variable, error) {
	m, err := rv.Client.HGetAll(ctx, rv.Key).Result()
	if err != nil {
		return nil, fmt.Errorf("variables: %w", err)
	}
	out := make([]Variable, 0, len(m))
	for k, raw := range m {
		var v Variable
		if err := json.Unmarshal([]byte(raw), &v); err != nil {
			return nil, fmt.Errorf("variable %q: %w", k, err)
		}
		v.Key = k
		out = append(out, v)
	}
	slices.SortFunc(out, func(a, b Variable) int { return strings.Compare(a.Key, b.Key) })
	return out, nil
}

// Variable implements VariableStore.
func (rv *RedisVariables) Variable(ctx context.Context, key string) (Variable, error) {
	raw, err := rv.Client.HGet(ctx, rv.Key, key).Result()
	if errors.Is(err, redis.Nil) {
		return Variable{}, fmt.Errorf("variable %q: %w", key, ErrNotFound)
	}
	if err != nil {
		return Variable{}, fmt.Errorf("variable %q: %w", key, err)
	}
	var v Variable
	if err := json.Unmarshal([]byte(raw), &v); err != nil {
		return Variable{}, fmt.Errorf("variable %q: %w", key, err)
	}
	v.Key = key
	return v, nil
}

// PutVariable implements VariableStore.
func (rv *RedisVariables) PutVariable(ctx context.Context, v Variable, create bool) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("variable %q: %w", v.Key, err)
	}
	if create {
		ok, err := rv.Client.HSetNX(ctx, rv.Key, v.Key, b).Result()
		if err != nil {
			return fmt.Errorf("variable %q: %w", v.Key, err)
		}
		if !ok {
			return fmt.Errorf("variable %q: %w", v.Key, ErrExists)
		}
		return nil
	}
	if err := rv.Client.HSet(ctx, rv.Key, v.Key, b).Err(); err != nil {
		return fmt.Errorf("variable %q: %w", v.Key, err)
	}
	return nil
}

// DeleteVariable implements VariableStore.
func (rv *RedisVariables) DeleteVariable(ctx context.Context, key string) error {
	n, err := rv.Client.HDel(ctx, rv.Key, key).Result()
	if err != nil {
		return fmt.Errorf("variable %q: %w", key, err)
	}
	if n == 0 {
		return fmt.Errorf("variable %q: %w", key, ErrNotFound)
	}
	return nil
}
