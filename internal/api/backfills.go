package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dagworker/dagworker/internal/api/airflowspec"
)

// Backfiller creates and steers backfills.
type Backfiller interface {
	// PlanBackfill returns the logical dates the backfill would run: the
	// DAG's intervals within From..To without a run, and those whose run
	// the reprocess behaviour reprocesses (never an unfinished one).
	PlanBackfill(ctx context.Context, req BackfillRequest) ([]time.Time, error)
	// CreateBackfill creates the backfill and its runs (run_type backfill),
	// at most MaxActive of them running at once; ErrBackfillRunning when
	// the DAG has an unfinished backfill.
	CreateBackfill(ctx context.Context, req BackfillRequest) (Backfill, error)
	// Backfills lists the backfills (of one DAG when dagID is not ""), by id.
	Backfills(ctx context.Context, dagID string) ([]Backfill, error)
	// Backfill returns one backfill or ErrNotFound.
	Backfill(ctx context.Context, id int) (Backfill, error)
	// PauseBackfill holds (or releases) the backfill's runs that did not
	// start; ErrBackfillDone once it completed.
	PauseBackfill(ctx context.Context, id int, paused bool) (Backfill, error)
	// CancelBackfill fails the backfill's runs that did not start and marks
	// it completed; ErrBackfillDone when it was already.
	CancelBackfill(ctx context.Context, id int) (Backfill, error)
}

// BackfillResponse is Airflow's BackfillResponse.
type BackfillResponse = airflowspec.BackfillResponse

// BackfillCollectionResponse is Airflow's BackfillCollectionResponse.
type BackfillCollectionResponse = airflowspec.BackfillCollectionResponse

// DryRunBackfillResponse is Airflow's DryRunBackfillResponse.
type DryRunBackfillResponse = airflowspec.DryRunBackfillResponse

// DryRunBackfillCollectionResponse is Airflow's DryRunBackfillCollectionResponse.
type DryRunBackfillCollectionResponse = airflowspec.DryRunBackfillCollectionResponse

// backfillBody is Airflow's BackfillPostBody.
type backfillBody struct {
	DagID              *string        `json:"dag_id"`
	FromDate           *string        `json:"from_date"`
	ToDate             *string        `json:"to_date"`
	RunBackwards       bool           `json:"run_backwards"`
	DagRunConf         map[string]any `json:"dag_run_conf"`
	ReprocessBehavior  *string        `json:"reprocess_behavior"`
	MaxActiveRuns      *int           `json:"max_active_runs"`
	RunOnLatestVersion *bool          `json:"run_on_latest_version"`
}

func toBackfill(b Backfill) BackfillResponse {
	conf := b.Conf
	if conf == nil {
		conf = map[string]any{}
	}
	return BackfillResponse{ID: b.ID, DagID: b.DagID, FromDate: b.From.UTC(), ToDate: b.To.UTC(), DagRunConf: &conf, IsPaused: b.Paused,
		ReprocessBehavior: airflowspec.ReprocessBehavior(b.Reprocess), MaxActiveRuns: b.MaxActiveRuns, CreatedAt: b.CreatedAt.UTC(), CompletedAt: utcPtr(b.CompletedAt),
		UpdatedAt: b.UpdatedAt.UTC(), DagDisplayName: b.DagID}
}

func (s *Server) backfiller() (Backfiller, error) {
	if s.cfg.Backfills == nil {
		return nil, fmt.Errorf("backfills: %w", ErrUnsupported)
	}
	return s.cfg.Backfills, nil
}

// readBackfill decodes and checks a BackfillPostBody.
func (s *Server) readBackfill(r *http.Request) (BackfillRequest, error) {
	var body backfillBody
	if err := s.decodeBody(r, &body); err != nil {
		return BackfillRequest{}, err
	}
	var errs []fieldError
	for name, v := range map[string]*string{"dag_id": body.DagID, "from_date": body.FromDate, "to_date": body.ToDate} {
		switch {
		case v == nil:
			errs = append(errs, fieldError{Type: "missing", Loc: []any{"body", name}, Msg: "Field required"})
		case *v == "" && name != "dag_id":
			errs = append(errs, fieldError{Type: "datetime_from_date_parsing", Loc: []any{"body", name}, Input: "",
				Msg: "Input should be a valid datetime or date, input is too short"})
		}
	}
	from, to := bodyTime("from_date", body.FromDate, &errs), bodyTime("to_date", body.ToDate, &errs)
	req := BackfillRequest{Conf: body.DagRunConf, Reprocess: "none", MaxActive: 10, RunBackfwd: body.RunBackwards}
	if body.ReprocessBehavior != nil {
		req.Reprocess = *body.ReprocessBehavior
		if !slices.Contains([]string{"failed", "completed", "none"}, req.Reprocess) {
			errs = append(errs, fieldError{Type: "enum", Loc: []any{"body", "reprocess_behavior"}, Msg: "Input should be 'failed', 'completed' or 'none'",
				Input: req.Reprocess, Ctx: map[string]any{"expected": "'failed', 'completed' or 'none'"}})
		}
	}
	if body.MaxActiveRuns != nil {
		req.MaxActive = *body.MaxActiveRuns
	}
	if len(errs) > 0 {
		slices.SortFunc(errs, func(a, b fieldError) int { return strings.Compare(fmt.Sprint(a.Loc), fmt.Sprint(b.Loc)) })
		return BackfillRequest{}, &apiError{status: http.StatusUnprocessableEntity, detail: errs}
	}
	req.DagID, req.From, req.To = *body.DagID, *from, *to
	d, err := s.findDAG(req.DagID)
	if err != nil {
		return BackfillRequest{}, httpErr(http.StatusNotFound, "Could not find dag %s", req.DagID)
	}
	switch {
	case d.Schedule == "":
		return BackfillRequest{}, httpErr(http.StatusBadRequest, "Dag %s has no schedule: it cannot be backfilled", req.DagID)
	case req.From.After(req.To):
		return BackfillRequest{}, httpErr(http.StatusBadRequest, "from_date %s is after to_date %s", req.From.UTC().Format(time.RFC3339), req.To.UTC().Format(time.RFC3339))
	case req.MaxActive < 1:
		return BackfillRequest{}, unprocessable([]any{"body", "max_active_runs"}, "greater_than_equal", "Input should be greater than or equal to 1")
	case req.RunBackfwd:
		return BackfillRequest{}, httpErr(http.StatusBadRequest, "run_backwards is not supported: dagworker starts queued runs oldest first")
	}
	if p, ok := r.Context().Value(ctxKey{}).(principal); ok {
		req.CreatedBy = p.name
	}
	return req, nil
}

// handleCreateBackfill is POST /api/v2/backfills.
func (s *Server) handleCreateBackfill(w http.ResponseWriter, r *http.Request) {
	req, err := s.readBackfill(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	bf, err := s.backfiller()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	b, err := bf.CreateBackfill(r.Context(), req)
	if errors.Is(err, ErrBackfillRunning) {
		err = httpErr(http.StatusConflict, "There is already a running backfill for dag %s", req.DagID)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	audit(r, "", "backfill_id="+strconv.Itoa(b.ID))
	writeJSON(w, http.StatusOK, toBackfill(b))
}

// handleBackfillDryRun is POST /api/v2/backfills/dry_run: the logical dates
// the backfill would run.
func (s *Server) handleBackfillDryRun(w http.ResponseWriter, r *http.Request) {
	req, err := s.readBackfill(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	bf, err := s.backfiller()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	dates, err := bf.PlanBackfill(r.Context(), req)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := []DryRunBackfillResponse{}
	for _, d := range dates {
		ld := d.UTC()
		out = append(out, DryRunBackfillResponse{LogicalDate: &ld})
	}
	writeJSON(w, http.StatusOK, DryRunBackfillCollectionResponse{Backfills: out, TotalEntries: len(out)})
}

// handleListBackfills is GET /api/v2/backfills (dag_id filters).
func (s *Server) handleListBackfills(w http.ResponseWriter, r *http.Request) {
	q := newQuery(r)
	limit, offset := q.page()
	if err := q.err(); err != nil {
		s.writeError(w, r, err)
		return
	}
	order, err := orderByParam(r, []string{"id"})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var bs []Backfill
	if s.cfg.Backfills != nil { // else nothing was ever backfilled
		bs, err = s.cfg.Backfills.Backfills(r.Context(), q.str("dag_id"))
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := []BackfillResponse{}
	for _, b := range bs {
		out = append(out, toBackfill(b))
	}
	if strings.HasPrefix(order, "-") {
		slices.Reverse(out)
	}
	writeJSON(w, http.StatusOK, BackfillCollectionResponse{Backfills: page(out, offset, limit), TotalEntries: len(out)})
}

// backfillOp is GET /backfills/{id} and the PUT pause, unpause and cancel.
func (s *Server) backfillOp(op string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		raw := r.PathValue("backfill_id")
		id, err := strconv.Atoi(raw)
		if err != nil || id < 0 {
			s.writeError(w, r, intParsingError("path", "backfill_id", raw))
			return
		}
		bf, err := s.backfiller()
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		var b Backfill
		switch op {
		case "get":
			b, err = bf.Backfill(r.Context(), id)
		case "pause", "unpause":
			b, err = bf.PauseBackfill(r.Context(), id, op == "pause")
		case "cancel":
			b, err = bf.CancelBackfill(r.Context(), id)
		}
		switch {
		case errors.Is(err, ErrNotFound):
			err = httpErr(http.StatusNotFound, "Could not find backfill with id %d", id)
		case errors.Is(err, ErrBackfillDone):
			err = httpErr(http.StatusConflict, "Backfill is already completed.")
		}
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, toBackfill(b))
	}
}
