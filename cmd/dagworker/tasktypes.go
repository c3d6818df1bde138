package main

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"

	"github.com/dagworker/dagworker/internal/tracing"
	"github.com/dagworker/dagworker/tasks"
	"github.com/dagworker/dagworker/tasks/bash"
	"github.com/dagworker/dagworker/tasks/builtin"
	"github.com/dagworker/dagworker/tasks/classify"
	taskconn "github.com/dagworker/dagworker/tasks/conn"
	"github.com/dagworker/dagworker/tasks/httptask"
	"github.com/dagworker/dagworker/tasks/notion"
	"github.com/dagworker/dagworker/tasks/render"
	"github.com/dagworker/dagworker/tasks/scrape"
	"github.com/dagworker/dagworker/worker"
	"go.opentelemetry.io/otel/trace"
)

// version names this build in the scraper's default user agent.
const version = "dev"

// taskFlags are the settings of the built-in task types.
type taskFlags struct {
	models          *string
	cjkFont         *string
	fontsDir        *string
	modelRoots      *string
	classifyBackend *string
	ortLibrary      *string
	classifyThreads *int
	bashRoots       *string
	allowOperators  *string
	connections     *string
}

// addTaskFlags adds --models, --cjk-font and the classify backend flags to fs.
func addTaskFlags(fs *flag.FlagSet) taskFlags {
	return taskFlags{
		classifyBackend: fs.String("classify-backend", classify.BackendAuto, "classify backend: auto (ONNX Runtime when this binary has it and its library loads, else pure Go), go or ort"),
		ortLibrary:      fs.String("ort-library", "", "path of libonnxruntime.so for the ort backend (default: the file next to the executable)"),
		classifyThreads: fs.Int("classify-threads", 0, "ONNX Runtime intra-op threads per model run (default: the number of CPUs)"),
		bashRoots:       fs.String("bash-roots", "", "folders a bash task's cwd may be in, separated by '"+string(filepath.ListSeparator)+"' (default none: each command runs in a fresh temporary folder)"),
		connections:     fs.String("connections", "", "connections file of the http and notion tasks: a JSON object of connection id to Airflow URI (DAGWORKER_CONN_<ID> variables win)"),
		allowOperators:  fs.String("allow-operators", "", "comma-separated task types this process runs (default: all built-in ones; leave out bash to refuse shell commands)"),
		models:          fs.String("models", defaultModelsDir, "model registry folder of the classify task (the embedded demo-sentiment model is always there)"),
		fontsDir:        fs.String("fonts-dir", "", "folders a render task's font and cjk_font may name files in, besides the system font folders and --cjk-font's fonts, separated by '"+string(filepath.ListSeparator)+"'"),
		modelRoots:      fs.String("model-roots", "", "folders a classify task's model may be a local path (or file:// URL) in, besides --models and the model cache, separated by '"+string(filepath.ListSeparator)+"'"),
		cjkFont:         fs.String("cjk-font", "", "TrueType fallback font(s) for PDF reports, tried in order before the fonts found in the usual Debian font paths; several are separated by '"+string(filepath.ListSeparator)+"'"),
	}
}

// taskTypes holds the built-in task handlers of one process.
type taskTypes struct {
	classify *classify.Handler
	render   *render.Handler
	scrape   *scrape.Handler
	bash     *bash.Handler
	http     *httptask.Handler
	notion   *notion.Handler
	allow    map[string]bool // nil: every type
	metrics  *taskMetrics    // nil: none
}

// newTaskTypes builds the built-in handlers from the task flags.
// tp (nil: none) records the scrape task's HTTP spans.
func newTaskTypes(f taskFlags, log *slog.Logger, tp trace.TracerProvider) (*taskTypes, error) {
	scfg := scrape.Config{Version: version}
	if tracing.Enabled(tp) {
		scfg.TracerProvider = tp
	}
	sc, err := scrape.New(scfg)
	if err != nil {
		return nil, fmt.Errorf("scrape: %w", err)
	}
	cl, err := classify.New(classify.Config{ModelsDir: *f.models, ModelRoots: filepath.SplitList(*f.modelRoots), Logger: log,
		Backend: *f.classifyBackend, ORTLibrary: *f.ortLibrary, Threads: *f.classifyThreads})
	if err != nil {
		return nil, fmt.Errorf("classify: %w", err)
	}
	re, err := render.New(render.Config{FallbackFontPaths: filepath.SplitList(*f.cjkFont),
		FontDirs: filepath.SplitList(*f.fontsDir), Logger: log})
	if err != nil {
		_ = cl.Close()
		return nil, err // render.New says "render: ..."
	}
	sh, err := bash.New(bash.Config{Roots: filepath.SplitList(*f.bashRoots)})
	if err != nil {
		_ = cl.Close()
		return nil, err
	}
	conns, err := taskconn.Load(*f.connections)
	if err != nil {
		_ = cl.Close()
		return nil, err
	}
	ht, err := httptask.New(httptask.Config{Connections: conns, UserAgent: "dagworker/" + version})
	if err != nil {
		_ = cl.Close()
		return nil, err
	}
	no, err := notion.New(notion.Config{Connections: conns})
	if err != nil {
		_ = cl.Close()
		return nil, err
	}
	tt := &taskTypes{classify: cl, render: re, scrape: sc, bash: sh, http: ht, notion: no}
	if *f.allowOperators != "" {
		tt.allow = map[string]bool{}
		known := tt.handlers()
		for _, name := range strings.Split(*f.allowOperators, ",") {
			name = strings.TrimSpace(name)
			if _, ok := known[name]; !ok {
				_ = cl.Close()
				return nil, fmt.Errorf("--allow-operators: %q is not a built-in task type", name)
			}
			tt.allow[name] = true
		}
	}
	return tt, nil
}

// handlers are the built-in task types by name.
func (tt *taskTypes) handlers() map[string]tasks.Handler {
	hs := builtin.Handlers()
	hs["scrape"], hs["classify"], hs["render"] = tt.scrape, tt.classify, tt.render
	hs["bash"], hs["http"], hs["notion"] = tt.bash, tt.http, tt.notion
	return hs
}

// Register registers the task types the binary ships on w, those of
// --allow-operators when it is set.
func (tt *taskTypes) Register(w *worker.Worker) error {
	var errs []error
	for name, h := range tt.handlers() {
		if tt.allow == nil || tt.allow[name] {
			errs = append(errs, w.Handle(name, tt.metrics.wrap(name, h)))
		}
	}
	return errors.Join(errs...)
}

// newWorker builds a worker with every built-in task type registered; the
// returned func releases the task types' resources (loaded models).
func newWorker(cfg worker.Config, tf taskFlags) (*worker.Worker, func(), error) {
	w, err := worker.New(cfg)
	if err != nil {
		return nil, nil, err
	}
	tt, err := newTaskTypes(tf, cfg.Logger, cfg.TracerProvider)
	if err != nil {
		return nil, nil, err
	}
	if cfg.Metrics != nil {
		if tt.metrics, err = newTaskMetrics(cfg.Metrics); err != nil {
			_ = tt.Close()
			return nil, nil, err
		}
	}
	if err := tt.Register(w); err != nil {
		_ = tt.Close()
		return nil, nil, err
	}
	return w, func() { _ = tt.Close() }, nil
}

// Close releases the loaded models.
func (tt *taskTypes) Close() error {
	return errors.Join(tt.classify.Close())
}
