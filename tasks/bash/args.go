package bash

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"

	"github.com/dagworker/dagworker/tasks"
)

// DefaultSkipExitCode is Airflow's exit code for "skip this task".
const DefaultSkipExitCode = 99

// Args are the arguments of a bash task.
type Args struct {
	// BashCommand is a script run with bash -c (templates already
	// rendered). Give it or Argv.
	BashCommand string `json:"bash_command"`
	// Argv is a program and its arguments, run without a shell.
	Argv []string `json:"argv"`
	// Env are the environment variables of the command. Without it the
	// command inherits the worker's environment; with it the command gets
	// only these (plus DAGWORKER_DAG_ID, _RUN_ID, _TASK_ID, _TRY), unless
	// AppendEnv adds them to the worker's.
	Env       map[string]string `json:"env"`
	AppendEnv bool              `json:"append_env"`
	// Cwd is the working folder, inside one of the worker's configured
	// roots. Default: a fresh temporary folder, removed afterwards.
	Cwd string `json:"cwd"`
	// OutputEncoding decodes stdout and stderr: utf-8 (default) or latin-1.
	OutputEncoding string `json:"output_encoding"`
	// SkipOnExitCode are the exit codes that skip the task: one code or a
	// list. Default 99.
	SkipOnExitCode exitCodes `json:"skip_on_exit_code"`
	// DoXComPush returns the last line of stdout as the XCom (default true).
	DoXComPush *bool `json:"do_xcom_push"`
}

// ArgNames returns the names of the bash task's arguments.
func ArgNames() []string {
	return []string{"bash_command", "argv", "env", "append_env", "cwd", "output_encoding", "skip_on_exit_code", "do_xcom_push"}
}

// exitCodes is one exit code or a list of them.
type exitCodes []int

func (c *exitCodes) UnmarshalJSON(b []byte) error {
	var one int
	if err := json.Unmarshal(b, &one); err == nil {
		*c = exitCodes{one}
		return nil
	}
	var list []int
	if err := json.Unmarshal(b, &list); err != nil {
		return errors.New("want an exit code or a list of exit codes")
	}
	*c = list
	return nil
}

// params are the validated arguments.
type params struct {
	Args
	latin1 bool
	push   bool
}

func parseArgs(t *tasks.Task, roots []string) (params, error) {
	var p params
	if err := tasks.DecodeArgs(t, &p.Args); err != nil {
		return p, err
	}
	switch {
	case strings.TrimSpace(p.BashCommand) == "" && len(p.Argv) == 0:
		return p, tasks.InvalidArg("bash_command", "give bash_command (a script) or argv (a program and its arguments)")
	case p.BashCommand != "" && len(p.Argv) > 0:
		return p, tasks.InvalidArg("argv", "give either bash_command or argv, not both")
	case len(p.Argv) > 0 && p.Argv[0] == "":
		return p, tasks.InvalidArg("argv", "the program (argv[0]) is empty")
	}
	for k := range p.Env {
		if k == "" || strings.ContainsAny(k, "=\x00") {
			return p, tasks.InvalidArg("env", "%q is not an environment variable name", k)
		}
	}
	switch strings.ToLower(p.OutputEncoding) {
	case "", "utf-8", "utf8":
	case "latin-1", "latin1", "iso-8859-1":
		p.latin1 = true
	default:
		return p, tasks.InvalidArg("output_encoding", "%q: utf-8 or latin-1", p.OutputEncoding)
	}
	if p.SkipOnExitCode == nil {
		p.SkipOnExitCode = exitCodes{DefaultSkipExitCode}
	}
	for _, c := range p.SkipOnExitCode {
		if c < 1 || c > 255 {
			return p, tasks.InvalidArg("skip_on_exit_code", "%d is not an exit code (1..255)", c)
		}
	}
	p.push = p.DoXComPush == nil || *p.DoXComPush
	if p.Cwd != "" {
		if !filepath.IsAbs(p.Cwd) {
			return p, tasks.InvalidArg("cwd", "%q is not an absolute path", p.Cwd)
		}
		if !within(filepath.Clean(p.Cwd), roots) {
			if len(roots) == 0 {
				return p, tasks.InvalidArg("cwd", "no folders are allowed on this worker (set --bash-roots)")
			}
			return p, tasks.InvalidArg("cwd", "%s is not inside the allowed folders %s", p.Cwd, strings.Join(roots, ", "))
		}
	}
	return p, nil
}

// within reports whether dir is one of roots or below one, after symbolic
// links are resolved where the paths exist.
func within(dir string, roots []string) bool {
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		dir = real
	}
	for _, r := range roots {
		if real, err := filepath.EvalSymlinks(r); err == nil {
			r = real
		}
		if rel, err := filepath.Rel(r, dir); err == nil && filepath.IsLocal(rel) {
			return true
		}
	}
	return false
}
