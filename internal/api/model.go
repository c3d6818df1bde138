package api

import "github.com/dagworker/dagworker/internal/apimodel"

// The data the API exchanges with its backends is package apimodel's.
type (
	DAGInfo         = apimodel.DAGInfo
	RunQuery        = apimodel.RunQuery
	TriggerRequest  = apimodel.TriggerRequest
	Run             = apimodel.Run
	DagVersionInfo  = apimodel.DagVersionInfo
	TaskInstance    = apimodel.TaskInstance
	TaskRequest     = apimodel.TaskRequest
	AdHocTask       = apimodel.AdHocTask
	DAGDetail       = apimodel.DAGDetail
	GroupInfo       = apimodel.GroupInfo
	ImportError     = apimodel.ImportError
	TaskInfo        = apimodel.TaskInfo
	Pool            = apimodel.Pool
	BackfillRequest = apimodel.BackfillRequest
	Backfill        = apimodel.Backfill
)

// Errors of package apimodel.
var (
	ErrBackfillRunning = apimodel.ErrBackfillRunning
	ErrBackfillDone    = apimodel.ErrBackfillDone
	ErrExists          = apimodel.ErrExists
	ErrBusy            = apimodel.ErrBusy
)

// DefaultPoolName is the pool of a task that names none.
const DefaultPoolName = apimodel.DefaultPoolName
