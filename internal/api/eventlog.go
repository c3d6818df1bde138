package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dagworker/dagworker/internal/api/airflowspec"

	"github.com/redis/go-redis/v9"
)

// Event is one entry of the event log: who did what to which DAG, run or
// task, as Airflow's audit log records it.
type Event struct {
	ID     int       `json:"id"`
	When   time.Time `json:"when"`
	Event  string    `json:"event"`
	Owner  string    `json:"owner,omitempty"`
	DagID  string    `json:"dag_id,omitempty"`
	RunID  string    `json:"run_id,omitempty"`
	TaskID string    `json:"task_id,omitempty"`
	Extra  string    `json:"extra,omitempty"`
}

// EventLog keeps the event log.
type EventLog interface {
	// Record appends e (its ID is assigned).
	Record(ctx context.Context, e Event) error
	// Events returns the kept events, newest first.
	Events(ctx context.Context) ([]Event, error)
	// Event returns one event or ErrNotFound.
	Event(ctx context.Context, id int) (Event, error)
}

// EventLogResponse is Airflow's EventLogResponse.
type EventLogResponse = airflowspec.EventLogResponse

// EventLogCollectionResponse is Airflow's EventLogCollectionResponse.
type EventLogCollectionResponse = airflowspec.EventLogCollectionResponse

func toEventLog(e Event) EventLogResponse {
	return EventLogResponse{EventLogID: e.ID, When: e.When.UTC(), DagID: strPtr(e.DagID), TaskID: strPtr(e.TaskID),
		RunID: strPtr(e.RunID), Event: e.Event, Owner: strPtr(e.Owner), Extra: strPtr(e.Extra),
		DagDisplayName: strPtr(e.DagID), TaskDisplayName: strPtr(e.TaskID)}
}

// auditKey is the context slot an audited handler fills with what the
// path does not say (the run it created, details of the change).
type auditKey struct{}

type auditNote struct{ runID, extra string }

// audited wraps the handler of a changing operation: once it answered 2xx,
// the event log records the operation id as the event, the authenticated
// user as the owner and the DAG, run and task of the path.
func (s *Server) audited(op string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.cfg.Events == nil {
			h(w, r)
			return
		}
		note := &auditNote{}
		sw := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		r = r.WithContext(context.WithValue(r.Context(), auditKey{}, note))
		h(sw, r)
		if sw.status < 200 || sw.status > 299 {
			return
		}
		e := Event{When: s.cfg.Clock(), Event: op, DagID: r.PathValue("dag_id"), RunID: r.PathValue("dag_run_id"),
			TaskID: r.PathValue("task_id"), Extra: note.extra}
		if note.runID != "" {
			e.RunID = note.runID
		}
		if p, ok := r.Context().Value(ctxKey{}).(principal); ok {
			e.Owner = p.name
		}
		if err := s.cfg.Events.Record(context.WithoutCancel(r.Context()), e); err != nil {
			s.log.WarnContext(r.Context(), "api event log", "event", op, "dag_id", e.DagID, "run_id", e.RunID, "err", err)
		}
	}
}

// audit tells the event log what the path does not: the run an audited
// handler acted on and details of the change ("" leaves them).
func audit(r *http.Request, runID, extra string) {
	if n, ok := r.Context().Value(auditKey{}).(*auditNote); ok {
		if runID != "" {
			n.runID = runID
		}
		if extra != "" {
			n.extra = extra
		}
	}
}

// statusRecorder passes a response through and remembers its status.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// Flush lets streaming handlers flush through the recorder.
func (s *statusRecorder) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// noEvents is the event log of a server without one: nothing is recorded.
type noEvents struct{}

func (noEvents) Record(context.Context, Event) error     { return nil }
func (noEvents) Events(context.Context) ([]Event, error) { return nil, nil }
func (noEvents) Event(_ context.Context, id int) (Event, error) {
	return Event{}, fmt.Errorf("event %d: %w", id, ErrNotFound)
}

func (s *Server) events() (EventLog, error) {
	if s.cfg.Events == nil {
		return noEvents{}, nil
	}
	return s.cfg.Events, nil
}

// eventOrder are the order_by keys of GET /eventLogs.
var eventOrder = []string{"id", "event_log_id", "dttm", "when", "dag_id", "task_id", "run_id", "event", "owner", "logical_date", "map_index", "try_number"}

// handleEventLogs is GET /api/v2/eventLogs.
func (s *Server) handleEventLogs(w http.ResponseWriter, r *http.Request) {
	store, err := s.events()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	q := newQuery(r)
	limit, offset := q.page()
	before, after := q.timep("before"), q.timep("after")
	if err := q.err(); err != nil {
		s.writeError(w, r, err)
		return
	}
	order, err := orderByParam(r, eventOrder)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	evs, err := store.Events(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	exact := map[string]func(Event) string{
		"dag_id": func(e Event) string { return e.DagID }, "task_id": func(e Event) string { return e.TaskID },
		"run_id": func(e Event) string { return e.RunID }, "owner": func(e Event) string { return e.Owner },
		"event": func(e Event) string { return e.Event },
	}
	included, excluded := q.list("included_events"), q.list("excluded_events")
	out := []EventLogResponse{}
	for _, e := range evs {
		keep := true
		for name, get := range exact {
			if v := q.str(name); v != "" && get(e) != v {
				keep = false
			}
			if p := q.str(name + "_pattern"); p != "" && !likePattern(p).MatchString(get(e)) {
				keep = false
			}
		}
		if p := q.str("dag_id_pattern"); p != "" && !likePattern(p).MatchString(e.DagID) {
			keep = false
		}
		if len(included) > 0 && !slices.Contains(included, e.Event) || slices.Contains(excluded, e.Event) {
			keep = false
		}
		if (before != nil && !e.When.Before(*before)) || (after != nil && !e.When.After(*after)) {
			keep = false
		}
		if keep {
			out = append(out, toEventLog(e))
		}
	}
	// Events come newest first; Airflow's default order is by id.
	slices.Reverse(out)
	key := strings.TrimPrefix(order, "-")
	field := map[string]func(EventLogResponse) string{
		"dag_id": func(e EventLogResponse) string { return deref(e.DagID) }, "task_id": func(e EventLogResponse) string { return deref(e.TaskID) },
		"run_id": func(e EventLogResponse) string { return deref(e.RunID) }, "event": func(e EventLogResponse) string { return e.Event },
		"owner": func(e EventLogResponse) string { return deref(e.Owner) },
	}[key]
	if field != nil {
		slices.SortStableFunc(out, func(a, b EventLogResponse) int { return strings.Compare(field(a), field(b)) })
	}
	if strings.HasPrefix(order, "-") {
		slices.Reverse(out)
	}
	writeJSON(w, http.StatusOK, EventLogCollectionResponse{EventLogs: page(out, offset, limit), TotalEntries: len(out)})
}

// handleEventLog is GET /api/v2/eventLogs/{event_log_id}.
func (s *Server) handleEventLog(w http.ResponseWriter, r *http.Request) {
	store, err := s.events()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	raw := r.PathValue("event_log_id")
	id, err := intParam("path", "event_log_id", raw)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	e, err := store.Event(r.Context(), id)
	if errors.Is(err, ErrNotFound) {
		err = httpErr(http.StatusNotFound, "The Event Log with id: `%d` not found", id)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toEventLog(e))
}

// DefaultEventCap is how many events RedisEvents keeps by default.
const DefaultEventCap = 10000

// RedisEvents keeps the event log in one Redis sorted set (score: the
// event id, member: its JSON), capped to the newest Cap events; ids come
// from a counter beside it.
type RedisEvents struct {
	Client redis.UniversalClient
	// Key is the sorted set, e.g. "<prefix>:event_log"; the counter is
	// Key+":id".
	Key string
	// Cap bounds the kept events (0: DefaultEventCap).
	Cap int
}

func (re *RedisEvents) limit() int64 {
	if re.Cap > 0 {
		return int64(re.Cap)
	}
	return DefaultEventCap
}

// Record implements EventLog.
func (re *RedisEvents) Record(ctx context.Context, e Event) error {
	id, err := re.Client.Incr(ctx, re.Key+":id").Result()
	if err != nil {
		return fmt.Errorf("event log: %w", err)
	}
	e.ID = int(id)
	b, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("event log: %w", err)
	}
	_, err = re.Client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.ZAdd(ctx, re.Key, redis.Z{Score: float64(id), Member: b})
		p.ZRemRangeByRank(ctx, re.Key, 0, -re.limit()-1)
		return nil
	})
	if err != nil {
		return fmt.Errorf("event log: %w", err)
	}
	return nil
}

// Events implements EventLog.
func (re *RedisEvents) Events(ctx context.Context) ([]Event, error) {
	raws, err := re.Client.ZRevRange(ctx, re.Key, 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("event log: %w", err)
	}
	out := make([]Event, 0, len(raws))
	for _, raw := range raws {
		var e Event
		if err := json.Unmarshal([]byte(raw), &e); err != nil {
			return nil, fmt.Errorf("event log entry: %w", err)
		}
		out = append(out, e)
	}
	return out, nil
}

// Event implements EventLog.
func (re *RedisEvents) Event(ctx context.Context, id int) (Event, error) {
	n := strconv.Itoa(id)
	raws, err := re.Client.ZRangeByScore(ctx, re.Key, &redis.ZRangeBy{Min: n, Max: n}).Result()
	if err != nil {
		return Event{}, fmt.Errorf("event log: %w", err)
	}
	if len(raws) == 0 {
		return Event{}, fmt.Errorf("event %d: %w", id, ErrNotFound)
	}
	var e Event
	if err := json.Unmarshal([]byte(raws[0]), &e); err != nil {
		return Event{}, fmt.Errorf("event log entry: %w", err)
	}
	return e, nil
}
