package apiengine

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/dagworker/dagworker/internal/apimodel"
	"github.com/dagworker/dagworker/tasks"
	"github.com/dagworker/dagworker/worker"
)

// AsynqRunner is the TaskRunner of dagworker's workers: an ad-hoc task is an
// asynq task whose type is a registered task type and whose payload is its
// JSON arguments (worker.Worker serves every registered type that way). The
// task id, "<UTC time>-<16 hex digits>", is a valid data lake key part: the
// task's outputs are under runs/adhoc/<id>/<type>/ and its logs under
// logs/adhoc/<id>/<type>/. The queue of each task is kept in Redis
// (<prefix>:adhoc:<id>) for as long as asynq retains the task.
type AsynqRunner struct {
	// Client enqueues the tasks (required).
	Client *asynq.Client
	// Inspector reads their state and result (required).
	Inspector *asynq.Inspector
	// Redis keeps the queue of each task id (required).
	Redis redis.UniversalClient
	// KeyPrefix prefixes the Redis keys. Default "dagworker".
	KeyPrefix string
	// Lake holds the tasks' logs (nil: no logs).
	Lake *tasks.Lake
	// DefaultQueue is the queue of a request without one. Default "default".
	DefaultQueue string
	// Retention is how long a finished task stays readable. Default 24h.
	Retention time.Duration
	// Clock is the time source. Default time.Now.
	Clock func() time.Time
}

// ErrBadTaskID is returned for a task id AsynqRunner cannot have made.
var ErrBadTaskID = errors.New("not an ad-hoc task id")

func (r *AsynqRunner) queueKey(id string) string {
	p := r.KeyPrefix
	if p == "" {
		p = "dagworker"
	}
	return p + ":adhoc:" + id
}

func (r *AsynqRunner) retention() time.Duration {
	if r.Retention > 0 {
		return r.Retention
	}
	return 24 * time.Hour
}

func (r *AsynqRunner) now() time.Time {
	if r.Clock != nil {
		return r.Clock()
	}
	return time.Now()
}

const idTimeLayout = "20060102T150405.000Z"

// newID returns "<UTC time to the millisecond>-<16 hex digits>".
func (r *AsynqRunner) newID() (string, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("task id: %w", err)
	}
	return r.now().UTC().Format(idTimeLayout) + "-" + hex.EncodeToString(b[:]), nil
}

// Submit implements TaskRunner: the task is enqueued without asynq retries
// (a failed ad-hoc task is failed; submit it again to retry).
func (r *AsynqRunner) Submit(ctx context.Context, req apimodel.TaskRequest) (apimodel.AdHocTask, error) {
	if req.Type == "" || strings.HasPrefix(req.Type, "dagworker:") || tasks.CheckKeyPart(req.Type) != nil {
		return apimodel.AdHocTask{}, fmt.Errorf("task type %q: %w", req.Type, apimodel.ErrInvalid)
	}
	args := req.Args
	if len(args) == 0 {
		args = json.RawMessage(`{}`)
	}
	if !json.Valid(args) {
		return apimodel.AdHocTask{}, fmt.Errorf("args are not JSON: %w", apimodel.ErrInvalid)
	}
	q := req.Queue
	if q == "" {
		q = r.DefaultQueue
	}
	if q == "" {
		q = "default"
	}
	id, err := r.newID()
	if err != nil {
		return apimodel.AdHocTask{}, err
	}
	if err := r.Redis.Set(ctx, r.queueKey(id), q, r.retention()+time.Hour).Err(); err != nil {
		return apimodel.AdHocTask{}, fmt.Errorf("submit %s: %w", req.Type, err)
	}
	ti, err := r.Client.EnqueueContext(ctx, asynq.NewTask(req.Type, args), asynq.TaskID(id), asynq.Queue(q),
		asynq.Retention(r.retention()), asynq.MaxRetry(0))
	if err != nil {
		return apimodel.AdHocTask{}, fmt.Errorf("submit %s: %w", req.Type, err)
	}
	return r.fromInfo(ctx, ti), nil
}

// Task implements TaskRunner.
func (r *AsynqRunner) Task(ctx context.Context, id string) (apimodel.AdHocTask, error) {
	if tasks.CheckKeyPart(id) != nil {
		return apimodel.AdHocTask{}, fmt.Errorf("task %q: %w", id, apimodel.ErrNotFound)
	}
	q, err := r.Redis.Get(ctx, r.queueKey(id)).Result()
	if errors.Is(err, redis.Nil) {
		return apimodel.AdHocTask{}, fmt.Errorf("task %s: %w", id, apimodel.ErrNotFound)
	}
	if err != nil {
		return apimodel.AdHocTask{}, fmt.Errorf("task %s: %w", id, err)
	}
	ti, err := r.Inspector.GetTaskInfo(q, id)
	if errors.Is(err, asynq.ErrTaskNotFound) || errors.Is(err, asynq.ErrQueueNotFound) {
		return apimodel.AdHocTask{}, fmt.Errorf("task %s: %w", id, apimodel.ErrNotFound)
	}
	if err != nil {
		return apimodel.AdHocTask{}, fmt.Errorf("task %s: %w", id, err)
	}
	return r.fromInfo(ctx, ti), nil
}

func (r *AsynqRunner) fromInfo(ctx context.Context, ti *asynq.TaskInfo) apimodel.AdHocTask {
	t := apimodel.AdHocTask{ID: ti.ID, DagID: worker.AdHocDagID, Type: ti.Type, Queue: ti.Queue, State: adHocState(ti.State), Error: ti.LastErr}
	if at, err := time.Parse(idTimeLayout, strings.SplitN(ti.ID, "-", 2)[0]); err == nil {
		t.CreatedAt = at
	}
	switch t.State {
	case "success":
		end := ti.CompletedAt
		t.EndedAt = &end
		if len(ti.Result) > 0 && json.Valid(ti.Result) {
			t.Result = json.RawMessage(ti.Result)
			t.OutputURI = outputURI(t.Result)
		}
	case "failed":
		end := ti.LastFailedAt
		t.EndedAt = &end
	}
	if apimodel.AdHocFinished(t.State) && r.Lake != nil {
		t.Log = r.log(ctx, ti)
	}
	return t
}

// log reads the log of the task's last try (asynq counts retries, not tries).
func (r *AsynqRunner) log(ctx context.Context, ti *asynq.TaskInfo) string {
	for _, try := range []int{ti.Retried + 1, ti.Retried} {
		if try < 1 {
			continue
		}
		key, err := tasks.LogKey(worker.AdHocInfo(ti.ID, ti.Type, try, 0))
		if err != nil {
			return ""
		}
		if b, err := r.Lake.Get(ctx, key); err == nil {
			return string(b)
		}
	}
	return ""
}

// adHocState maps asynq's task states to task instance state names.
func adHocState(s asynq.TaskState) string {
	switch s {
	case asynq.TaskStateActive:
		return "running"
	case asynq.TaskStateRetry:
		return "up_for_retry"
	case asynq.TaskStateCompleted:
		return "success"
	case asynq.TaskStateArchived:
		return "failed"
	}
	return "queued"
}

// outputURI finds the data lake URI in a task's result: its "uri", or the
// "uri" of its first object field that has one (e.g. {"output": {"uri": …}}).
func outputURI(result json.RawMessage) string {
	var m map[string]json.RawMessage
	if json.Unmarshal(result, &m) != nil {
		return ""
	}
	var s string
	if raw, ok := m["uri"]; ok && json.Unmarshal(raw, &s) == nil {
		return s
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		var inner map[string]json.RawMessage
		if json.Unmarshal(m[k], &inner) == nil {
			if u, ok := inner["uri"]; ok && json.Unmarshal(u, &s) == nil {
				return s
			}
		}
	}
	return ""
}
