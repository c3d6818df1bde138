package worker_test

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/dagworker/dagworker/internal/dag"
	"github.com/dagworker/dagworker/internal/embedredis"
	"github.com/dagworker/dagworker/internal/engine"
	"github.com/dagworker/dagworker/internal/runstore"
	"github.com/dagworker/dagworker/tasks"
	"github.com/dagworker/dagworker/worker"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
)

// shout is a user's own task type: it upper-cases its "text" argument.
type shout struct{}

func (shout) Run(_ context.Context, t *tasks.Task) (any, error) {
	var args struct {
		Text string `json:"text"`
	}
	if err := tasks.DecodeArgs(t, &args); err != nil {
		return nil, err
	}
	if args.Text == "" {
		return nil, tasks.InvalidArg("text", "must not be empty")
	}
	return strings.ToUpper(args.Text), nil
}

// A user registers their own task type and runs it from an inline YAML DAG.
// (Creating the run is what the coordinator or `dagworker trigger` does; it
// is spelled out here so the example runs on its own.)
func Example() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	redisSrv, err := embedredis.Start(ctx, nil) // or your Redis URL
	if err != nil {
		fmt.Println(err)
		return
	}
	defer redisSrv.Close()

	w, err := worker.New(worker.Config{RedisURL: redisSrv.URL, Concurrency: 4})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := w.Handle("shout", shout{}); err != nil {
		fmt.Println(err)
		return
	}
	wctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- w.Run(wctx) }()
	defer func() {
		stop() // a bounded drain
		<-done
	}()

	dags, _, err := dag.Parse("greet.yaml", []byte(`
greet:
  params: {name: world}
  tasks:
    - task_id: hello
      operator: shout
      text: "hello {{ params.name }}"
`), dag.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	opt, _ := asynq.ParseRedisURI(redisSrv.URL)
	rdb := opt.MakeRedisClient().(redis.UniversalClient)
	defer rdb.Close()
	store, _ := runstore.New(runstore.Config{Client: rdb})
	eng, _ := engine.New(engine.Config{Store: store, Client: asynq.NewClientFromRedisClient(rdb)})
	res, err := eng.CreateRun(ctx, dags[0], engine.RunOptions{RunID: "example", Conf: []byte(`{"name":"gophers"}`)})
	if err != nil {
		fmt.Println(err)
		return
	}
	for {
		run, err := store.GetRun(ctx, "greet", res.Run.RunID)
		if err != nil || run.State.Finished() {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	run, _ := store.GetRun(ctx, "greet", "example")
	out, _ := store.XCom(ctx, "greet", "example", "hello")
	fmt.Println(run.State, string(out))
	// Output: success "HELLO GOPHERS"
}
