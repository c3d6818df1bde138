package api

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/dagworker/dagworker/internal/api/airflowspec"

	"github.com/google/uuid"
)

// The response types of the Airflow operations are the models generated
// from Airflow's document (internal/api/airflowspec), aliased here under
// their schema names. A few stay written by hand, each for a reason:
// DAGResponse and DAGDetailsResponse carry the fields Airflow 3.3.2 sends
// beyond the document (is_backfillable, timetable_periodic), the structured
// log line its level and logger, DAGTaskResponse the integer counts the
// document types as numbers, XComCollectionResponse its entries' values,
// and the config shapes plain strings where the document has unions.
// TestShapesMatchAirflow keeps their fields equal to their schemas';
// nullable fields are pointers so they encode as null, as Airflow's do.

// DAGResponse is Airflow's DAGResponse.
type DAGResponse struct {
	DagID                string     `json:"dag_id"`
	DagDisplayName       string     `json:"dag_display_name"`
	IsPaused             bool       `json:"is_paused"`
	IsStale              bool       `json:"is_stale"`
	LastParsedTime       *time.Time `json:"last_parsed_time"`
	LastParseDuration    *float64   `json:"last_parse_duration"`
	LastExpired          *time.Time `json:"last_expired"`
	BundleName           *string    `json:"bundle_name"`
	BundleVersion        *string    `json:"bundle_version"`
	RelativeFileloc      *string    `json:"relative_fileloc"`
	Fileloc              string     `json:"fileloc"`
	Description          *string    `json:"description"`
	TimetableSummary     *string    `json:"timetable_summary"`
	TimetableDescription *string    `json:"timetable_description"`
	TimetablePartitioned bool       `json:"timetable_partitioned"`
	TimetablePeriodic    bool       `json:"timetable_periodic"`
	IsBackfillable       bool       `json:"is_backfillable"`
	// AllowedRunTypes are the run types dagworker creates (Airflow's null
	// means every type, asset-triggered ones included).
	AllowedRunTypes             []string         `json:"allowed_run_types" nullable:"true"`
	Tags                        []DagTagResponse `json:"tags"`
	MaxActiveTasks              int              `json:"max_active_tasks"`
	MaxActiveRuns               *int             `json:"max_active_runs"`
	MaxConsecutiveFailedDagRuns int              `json:"max_consecutive_failed_dag_runs"`
	HasTaskConcurrencyLimits    bool             `json:"has_task_concurrency_limits"`
	HasImportErrors             bool             `json:"has_import_errors"`
	NextDagrunLogicalDate       *time.Time       `json:"next_dagrun_logical_date"`
	NextDagrunDataIntervalStart *time.Time       `json:"next_dagrun_data_interval_start"`
	NextDagrunDataIntervalEnd   *time.Time       `json:"next_dagrun_data_interval_end"`
	NextDagrunRunAfter          *time.Time       `json:"next_dagrun_run_after"`
	Owners                      []string         `json:"owners"`
	FileToken                   string           `json:"file_token"`
}

// DagTagResponse is Airflow's DagTagResponse.
type DagTagResponse = airflowspec.DagTagResponse

// DAGCollectionResponse is Airflow's DAGCollectionResponse.
type DAGCollectionResponse struct {
	Dags         []DAGResponse `json:"dags"`
	TotalEntries int           `json:"total_entries"`
}

// DagVersionResponse is Airflow's DagVersionResponse.
type DagVersionResponse = airflowspec.DagVersionResponse

// DAGRunResponse is Airflow's DAGRunResponse.
type DAGRunResponse = airflowspec.DAGRunResponse

// DAGRunCollectionResponse is Airflow's DAGRunCollectionResponse.
type DAGRunCollectionResponse = airflowspec.DAGRunCollectionResponse

// TaskInstanceResponse is Airflow's TaskInstanceResponse.
type TaskInstanceResponse = airflowspec.TaskInstanceResponse

// TaskInstanceHistoryResponse is Airflow's TaskInstanceHistoryResponse (one try).
type TaskInstanceHistoryResponse = airflowspec.TaskInstanceHistoryResponse

// TaskInstanceCollectionResponse is Airflow's TaskInstanceCollectionResponse.
type TaskInstanceCollectionResponse = airflowspec.TaskInstanceCollectionResponse

// TaskInstanceHistoryCollectionResponse is Airflow's TaskInstanceHistoryCollectionResponse.
type TaskInstanceHistoryCollectionResponse = airflowspec.TaskInstanceHistoryCollectionResponse

// TaskInstancesLogResponse is Airflow's TaskInstancesLogResponse.
type TaskInstancesLogResponse struct {
	Content           []StructuredLogMessage `json:"content"`
	ContinuationToken *string                `json:"continuation_token"`
}

// StructuredLogMessage is one log line: Airflow's event, timestamp, level
// and logger, and the line's other attributes (see parseLogLine).
type StructuredLogMessage struct {
	Event     string            `json:"event"`
	Timestamp *time.Time        `json:"timestamp,omitempty"`
	Level     string            `json:"level"`
	Logger    string            `json:"logger"`
	Extra     map[string]string `json:"-"`
}

// XComResponseNative is Airflow's XComResponseNative (one entry with its value).
type XComResponseNative = airflowspec.XComResponseNative

// XComCollectionResponse is Airflow's XComCollectionResponse (entries without values).
type XComCollectionResponse struct {
	XComEntries  []XComResponseNative `json:"xcom_entries"`
	TotalEntries int                  `json:"total_entries"`
}

// SensorResponse is the body of the sensor endpoint: the run, the return
// value of each finished task and the objects the run wrote to the data
// lake, with their download URLs.
type SensorResponse struct {
	DAGRunResponse
	Outputs map[string]json.RawMessage `json:"outputs"`
	// OutputsURL lists the run's data lake outputs.
	OutputsURL string `json:"outputs_url"`
	// OutputFiles are those outputs (empty without a data lake).
	OutputFiles []OutputResponse `json:"output_files"`
}

// TaskResponse is the JSON shape of an ad-hoc task.
type TaskResponse struct {
	ID        string          `json:"id"`
	Type      string          `json:"type"`
	Queue     string          `json:"queue,omitempty"`
	State     string          `json:"state"`
	Result    json.RawMessage `json:"result,omitempty"`
	OutputURI string          `json:"output_uri,omitempty"`
	// OutputsURL lists the task's data lake outputs.
	OutputsURL string     `json:"outputs_url"`
	Error      string     `json:"error,omitempty"`
	Log        string     `json:"log,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	StartedAt  *time.Time `json:"started_at,omitempty"`
	EndedAt    *time.Time `json:"ended_at,omitempty"`
}

// idNamespace roots the deterministic UUIDs of versions and task instances.
var idNamespace = uuid.MustParse("6f0d4c8e-3b0a-4d5e-9a57-2c1f0f6d9b11")

func strPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func duration(start, end *time.Time) *float32 {
	if start == nil || end == nil {
		return nil
	}
	d := float32(end.Sub(*start).Seconds())
	return &d
}

func dagVersion(dagID, version string, number int, created time.Time) DagVersionResponse {
	return DagVersionResponse{
		ID:             uuid.NewSHA1(idNamespace, []byte(dagID+"\x00"+version)),
		VersionNumber:  max(number, 1),
		DagID:          dagID,
		CreatedAt:      created.UTC(),
		DagDisplayName: dagID,
	}
}

func toDAG(d DAGInfo, paused bool) DAGResponse {
	tags := make([]DagTagResponse, 0, len(d.Tags))
	for _, t := range slices.Sorted(slices.Values(d.Tags)) { // Airflow sorts them by name
		tags = append(tags, DagTagResponse{Name: t, DagID: d.ID, DagDisplayName: d.ID})
	}
	owners := d.Owners
	if owners == nil {
		owners = []string{}
	}
	maxTasks := d.MaxActiveTasks
	if maxTasks == 0 {
		maxTasks = 16
	}
	maxRuns := d.MaxActiveRuns
	if maxRuns == 0 {
		maxRuns = 16
	}
	summary, desc := (*string)(nil), (*string)(nil)
	if d.Schedule != "" {
		summary = strPtr(d.Schedule)
		desc = summary
	}
	rel := filepath.Base(d.File)
	return DAGResponse{
		DagID:                 d.ID,
		DagDisplayName:        d.ID,
		IsPaused:              paused,
		Fileloc:               d.File,
		RelativeFileloc:       &rel,
		Description:           strPtr(d.Description),
		TimetableSummary:      summary,
		TimetableDescription:  desc,
		Tags:                  tags,
		MaxActiveTasks:        maxTasks,
		MaxActiveRuns:         &maxRuns,
		Owners:                owners,
		FileToken:             fileToken(d.File),
		NextDagrunLogicalDate: utcPtr(d.NextRun),
		NextDagrunRunAfter:    utcPtr(d.NextRun),
		// A cron or preset schedule is periodic and can be backfilled.
		TimetablePeriodic: d.Schedule != "",
		IsBackfillable:    d.Schedule != "",
		AllowedRunTypes:   []string{"backfill", "manual", "scheduled"},
	}
}

// fileToken is an opaque token for a DAG file (Airflow signs the path; we
// only need a stable identifier).
func fileToken(file string) string {
	return strings.ReplaceAll(uuid.NewSHA1(idNamespace, []byte(file)).String(), "-", "")
}

func toRun(r Run) DAGRunResponse {
	created := r.VersionCreatedAt
	if created.IsZero() {
		created = r.RunAfter
	}
	conf := r.Conf
	if conf == nil {
		conf = map[string]any{}
	}
	runType := r.RunType
	if runType == "" {
		runType = "manual"
	}
	return DAGRunResponse{
		DagRunID:           r.RunID,
		DagID:              r.DagID,
		LogicalDate:        utcPtr(r.LogicalDate),
		QueuedAt:           utcPtr(r.QueuedAt),
		StartDate:          utcPtr(r.StartDate),
		EndDate:            utcPtr(r.EndDate),
		Duration:           duration(r.StartDate, r.EndDate),
		DataIntervalStart:  utcPtr(r.DataIntervalStart),
		DataIntervalEnd:    utcPtr(r.DataIntervalEnd),
		RunAfter:           r.RunAfter.UTC(),
		RunType:            airflowspec.DagRunType(runType),
		State:              airflowspec.DagRunState(r.State),
		TriggeredBy:        (*airflowspec.DagRunTriggeredByType)(strPtr(r.TriggeredBy)),
		TriggeringUserName: strPtr(r.TriggeringUser),
		Conf:               &conf,
		Note:               r.Note,
		DagVersions:        []DagVersionResponse{dagVersion(r.DagID, r.DagVersion, r.DagVersionNumber, created)},
		DagDisplayName:     r.DagID,
	}
}

func toTry(ti TaskInstance, r Run) TaskInstanceHistoryResponse {
	pool := ti.Pool
	if pool == "" {
		pool = "default_pool"
	}
	slots := ti.PoolSlots
	if slots == 0 {
		slots = 1
	}
	weight := ti.PriorityWeight
	if weight == 0 {
		weight = 1
	}
	var pid *int
	if ti.PID != 0 {
		pid = &ti.PID
	}
	created := r.VersionCreatedAt
	if created.IsZero() {
		created = r.RunAfter
	}
	v := dagVersion(r.DagID, r.DagVersion, r.DagVersionNumber, created)
	return TaskInstanceHistoryResponse{
		TaskID:          ti.TaskID,
		DagID:           ti.DagID,
		DagRunID:        ti.RunID,
		MapIndex:        -1,
		StartDate:       utcPtr(ti.StartDate),
		EndDate:         utcPtr(ti.EndDate),
		Duration:        duration(ti.StartDate, ti.EndDate),
		State:           (*airflowspec.TaskInstanceState)(strPtr(ti.State)),
		TryNumber:       ti.Try,
		MaxTries:        max(ti.MaxTries-1, 0), // Airflow's max_tries counts the retries
		TaskDisplayName: ti.TaskID,
		DagDisplayName:  ti.DagID,
		Hostname:        strPtr(ti.Hostname),
		Pool:            pool,
		PoolSlots:       slots,
		Queue:           strPtr(ti.Queue),
		PriorityWeight:  &weight,
		Operator:        strPtr(ti.Operator),
		OperatorName:    strPtr(ti.Operator),
		QueuedWhen:      utcPtr(ti.QueuedAt),
		ScheduledWhen:   utcPtr(ti.ScheduledAt),
		Pid:             pid,
		ExecutorConfig:  "{}",
		DagVersion:      &v,
	}
}

func toTI(ti TaskInstance, r Run) TaskInstanceResponse {
	h := toTry(ti, r)
	return TaskInstanceResponse{
		ID:     taskInstanceID(ti.DagID, ti.RunID, ti.TaskID),
		TaskID: h.TaskID, DagID: h.DagID, DagRunID: h.DagRunID, MapIndex: h.MapIndex, StartDate: h.StartDate, EndDate: h.EndDate,
		Duration: h.Duration, State: h.State, TryNumber: h.TryNumber, MaxTries: h.MaxTries, TaskDisplayName: h.TaskDisplayName,
		DagDisplayName: h.DagDisplayName, Hostname: h.Hostname, Unixname: h.Unixname, Pool: h.Pool, PoolSlots: h.PoolSlots,
		Queue: h.Queue, PriorityWeight: h.PriorityWeight, Operator: h.Operator, OperatorName: h.OperatorName,
		QueuedWhen: h.QueuedWhen, ScheduledWhen: h.ScheduledWhen, Pid: h.Pid, Executor: h.Executor,
		ExecutorConfig: h.ExecutorConfig, DagVersion: h.DagVersion,
		LogicalDate:    utcPtr(r.LogicalDate),
		RunAfter:       r.RunAfter.UTC(),
		RenderedFields: map[string]any{},
	}
}

// taskInstanceID is the stable UUID of a task instance (Airflow's id).
func taskInstanceID(dagID, runID, taskID string) uuid.UUID {
	return uuid.NewSHA1(idNamespace, []byte(dagID+"\x00"+runID+"\x00"+taskID+"\x00-1"))
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil || t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

func toTask(t AdHocTask) TaskResponse {
	return TaskResponse{
		ID: t.ID, Type: t.Type, Queue: t.Queue, State: t.State, Result: t.Result,
		OutputURI: t.OutputURI, OutputsURL: OutputsURL(t.DagID, t.ID), Error: t.Error, Log: t.Log, CreatedAt: t.CreatedAt.UTC(),
		StartedAt: utcPtr(t.StartedAt), EndedAt: utcPtr(t.EndedAt),
	}
}

// tiState is a task instance's state, "" for none.
func tiState(s *airflowspec.TaskInstanceState) string {
	if s == nil {
		return ""
	}
	return string(*s)
}
