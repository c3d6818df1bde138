package api

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
)

// Airflow's enums, as its v2 document lists them.
var (
	dagRunStates = []string{"queued", "running", "success", "failed"}
	dagRunTypes  = []string{"backfill", "scheduled", "manual", "asset_triggered", "asset_materialization"}
	tiStates     = []string{"removed", "scheduled", "queued", "running", "success", "restarting", "failed",
		"up_for_retry", "up_for_reschedule", "upstream_failed", "skipped", "deferred"}
)

// The order_by keys Airflow's list operations accept (a leading - sorts
// descending); any other key is 400.
var (
	dagOrderKeys    = []string{"dag_id", "dag_display_name", "next_dagrun", "state", "start_date", "last_run_state", "last_run_start_date"}
	dagRunOrderKeys = []string{"id", "state", "dag_id", "run_id", "dag_run_id", "logical_date", "run_after", "start_date",
		"end_date", "updated_at", "conf", "duration"}
	tiOrderKeys = []string{"id", "state", "duration", "start_date", "end_date", "map_index", "try_number", "logical_date",
		"run_after", "data_interval_start", "data_interval_end", "rendered_map_index", "operator"}
)

// maxOrderKeys is Airflow's SortParam.MAX_SORT_PARAMS.
const maxOrderKeys = 10

// checkOrderBy answers 400 as Airflow does for an order_by key the
// operation does not sort by.
func checkOrderBy(values []string, allowed []string) error {
	if len(values) > maxOrderKeys {
		return httpErr(http.StatusBadRequest, "Ordering with more than %d parameters is not allowed. Provided: %v", maxOrderKeys, values)
	}
	for _, v := range values {
		if key := strings.TrimPrefix(v, "-"); !slices.Contains(allowed, key) {
			return httpErr(http.StatusBadRequest, "Ordering with '%s' is disallowed or the attribute does not exist on the model", key)
		}
	}
	return nil
}

// orderByParam checks the order_by query parameters and returns the first
// (the sort key the list operations use), "" when none.
func orderByParam(r *http.Request, allowed []string) (string, error) {
	vals := r.URL.Query()["order_by"]
	if err := checkOrderBy(vals, allowed); err != nil {
		return "", err
	}
	if len(vals) == 0 {
		return "", nil
	}
	return vals[0], nil
}

// checkEnum answers 422 with Airflow's message when a state or run type
// filter (query parameter param) holds a value outside the enum ("none"
// means null and is accepted, like no_status for task instance states).
// Airflow sends the message as a plain string detail, which its own
// document does not allow for 422; here it is one entry of the documented
// HTTPValidationError.
func checkEnum(param string, values []string, enum []string, what string, nulls ...string) error {
	for _, v := range values {
		if !slices.Contains(enum, v) && v != "none" && !slices.Contains(nulls, v) {
			return &apiError{status: http.StatusUnprocessableEntity, detail: []fieldError{{
				Type: "enum", Loc: []any{"query", param}, Input: v,
				Msg: fmt.Sprintf("Invalid value for %s. Valid values are %s", what, strings.Join(enum, ", ")),
			}}}
		}
	}
	return nil
}

// bodyEnum is checkEnum for a list field of a body: pydantic's enum error.
func bodyEnum(field string, values []string, enum []string) error {
	for i, v := range values {
		if !slices.Contains(enum, v) {
			quoted := make([]string, len(enum))
			for j, e := range enum {
				quoted[j] = "'" + e + "'"
			}
			return &apiError{status: http.StatusUnprocessableEntity, detail: []fieldError{{
				Loc: []any{"body", field, i}, Type: "enum", Input: v,
				Msg: "Input should be " + strings.Join(quoted[:len(quoted)-1], ", ") + " or " + quoted[len(quoted)-1],
			}}}
		}
	}
	return nil
}

// checkMapIndex reads the map_index query parameter: not an integer is
// 422 as pydantic words it; dagworker has no mapped tasks, so any index
// but -1 (the default) names no task instance (404).
func checkMapIndex(r *http.Request) error {
	s := r.URL.Query().Get("map_index")
	if s == "" {
		return nil
	}
	n, err := intParam("query", "map_index", s)
	if err != nil {
		return err
	}
	if n != -1 {
		return tiNotFound(r)(n)
	}
	return nil
}

// runIDPattern is Airflow's default [scheduler] allowed_run_id_pattern.
var runIDPattern = regexp.MustCompile(`^[A-Za-z0-9_.~:+-]+$`)

// checkRunID applies Airflow's run id rule, and refuses "." and ".." (the
// data lake's paths cannot hold them): 400 with Airflow's message.
func checkRunID(id string) error {
	if !runIDPattern.MatchString(id) {
		return httpErr(http.StatusBadRequest, "The run_id provided '%s' does not match regex pattern '%s' or '%s'",
			id, runIDPattern.String(), `^(?:manual|scheduled|asset_triggered)__(?:\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00)$`)
	}
	if id == "." || id == ".." {
		return httpErr(http.StatusBadRequest, "The run_id provided '%s' is not a name (the data lake's paths cannot hold it)", id)
	}
	return nil
}

// conflict is Airflow's 409 body: its unique-constraint handler's object,
// with the statement hidden as Airflow hides it by default.
func conflict(format string, a ...any) *apiError {
	return &apiError{status: http.StatusConflict, detail: map[string]string{
		"reason":     "Unique constraint violation",
		"statement":  "hidden",
		"orig_error": "hidden",
		"message":    fmt.Sprintf(format, a...),
	}}
}
