package bash

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/dagworker/dagworker/tasks"
)

// Config configures the bash task type.
type Config struct {
	// Roots are the folders a task's cwd may be in or below. Default none:
	// cwd is refused and every command runs in a fresh temporary folder.
	Roots []string
	// Shell runs bash_command as Shell -c script. Default "bash" on PATH.
	Shell string
	// MaxLineBytes bounds one logged line of output (longer lines are cut).
	// Default 8 KiB.
	MaxLineBytes int
	// MaxLogBytes bounds the output logged per try; the rest is counted and
	// dropped (the command still runs to its end). Default 1 MiB.
	MaxLogBytes int
	// KillGrace is how long the command's output pipes may stay open after
	// the process group is killed. Default 5s.
	KillGrace time.Duration
}

// Handler runs bash tasks. It is safe for concurrent use.
type Handler struct{ cfg Config }

var _ tasks.Handler = (*Handler)(nil)

// New returns a bash handler.
func New(cfg Config) (*Handler, error) {
	if cfg.Shell == "" {
		cfg.Shell = "bash"
	}
	if cfg.MaxLineBytes <= 0 {
		cfg.MaxLineBytes = 8 << 10
	}
	if cfg.MaxLogBytes <= 0 {
		cfg.MaxLogBytes = 1 << 20
	}
	if cfg.KillGrace <= 0 {
		cfg.KillGrace = 5 * time.Second
	}
	for _, r := range cfg.Roots {
		st, err := os.Stat(r)
		if err != nil || !st.IsDir() {
			return nil, fmt.Errorf("bash: root %q is not a folder", r)
		}
	}
	return &Handler{cfg: cfg}, nil
}

// ErrExit is the error of a command that exited with a failing code.
var ErrExit = errors.New("command failed")

// Run runs the command of one try.
func (h *Handler) Run(ctx context.Context, t *tasks.Task) (any, error) {
	p, err := parseArgs(t, h.cfg.Roots)
	if err != nil {
		return nil, err
	}
	dir := p.Cwd
	if dir == "" {
		if dir, err = os.MkdirTemp("", "dagworker-bash-"); err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
	}
	var cmd *exec.Cmd
	if p.BashCommand != "" {
		cmd = exec.CommandContext(ctx, h.cfg.Shell, "-c", p.BashCommand)
	} else {
		cmd = exec.CommandContext(ctx, p.Argv[0], p.Argv[1:]...)
	}
	cmd.Dir = dir
	cmd.Env = environ(p, t.Info)
	groupKill(cmd)
	cmd.WaitDelay = h.cfg.KillGrace
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		if errors.Is(err, exec.ErrNotFound) || errors.Is(err, os.ErrNotExist) || errors.Is(err, os.ErrPermission) {
			return nil, fmt.Errorf("bash: %w: %w", err, tasks.ErrInvalidArgs)
		}
		return nil, fmt.Errorf("bash: start: %w", err)
	}
	start := time.Now()
	out := &logSink{t: t, h: h, latin1: p.latin1}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); out.read(stdout, "stdout") }()
	go func() { defer wg.Done(); out.read(stderr, "stderr") }()
	wg.Wait()
	err = cmd.Wait()
	if out.dropped > 0 && t.Logger != nil {
		t.Logger.Warn("bash: output over the log cap dropped", "dropped_bytes", out.dropped)
	}
	code := cmd.ProcessState.ExitCode()
	switch {
	case ctx.Err() != nil:
		return nil, fmt.Errorf("bash: killed after %s: %w", time.Since(start).Round(time.Millisecond), ctx.Err())
	case err == nil:
		if !p.push {
			return nil, nil
		}
		return out.last, nil
	case slices.Contains(p.SkipOnExitCode, code):
		return nil, fmt.Errorf("bash: exit code %d is in skip_on_exit_code: %w", code, tasks.ErrSkip)
	case code > 0:
		return nil, fmt.Errorf("%w: exit code %d%s", ErrExit, code, out.tail())
	default:
		return nil, fmt.Errorf("bash: %w", err)
	}
}

// environ is the command's environment: see Args.Env.
func environ(p params, info tasks.Info) []string {
	var env []string
	if p.Env == nil || p.AppendEnv {
		env = os.Environ()
	}
	keys := make([]string, 0, len(p.Env))
	for k := range p.Env {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		env = append(env, k+"="+strings.ReplaceAll(p.Env[k], "\x00", ""))
	}
	return append(env,
		"DAGWORKER_DAG_ID="+info.DagID, "DAGWORKER_RUN_ID="+info.RunID,
		"DAGWORKER_TASK_ID="+info.TaskID, "DAGWORKER_TRY="+strconv.Itoa(info.Try))
}

// logSink writes the command's output lines into the try's log, bounded,
// and keeps the last line of stdout and the last lines of stderr.
type logSink struct {
	t       *tasks.Task
	h       *Handler
	latin1  bool
	mu      sync.Mutex
	logged  int
	dropped int
	last    string   // last non-empty line of stdout
	errTail []string // last lines of stderr
}

func (s *logSink) read(r io.Reader, stream string) {
	br := bufio.NewReaderSize(r, 64<<10)
	for {
		line, err := readLine(br, s.h.cfg.MaxLineBytes)
		if len(line) > 0 || err == nil {
			s.line(stream, s.decode(line))
		}
		if err != nil {
			return
		}
	}
}

// readLine reads one line without its newline, keeping at most max bytes
// of it (the rest is consumed).
func readLine(br *bufio.Reader, max int) ([]byte, error) {
	var line []byte
	for {
		frag, err := br.ReadSlice('\n')
		if len(line) < max {
			line = append(line, frag[:min(len(frag), max-len(line))]...)
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			line = []byte(strings.TrimRight(string(line), "\r\n"))
			return line, err
		}
	}
}

func (s *logSink) decode(b []byte) string {
	if !s.latin1 {
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	var sb strings.Builder
	for _, c := range b {
		sb.WriteRune(rune(c))
	}
	return sb.String()
}

func (s *logSink) line(stream, line string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if stream == "stdout" && strings.TrimSpace(line) != "" {
		s.last = line
	}
	if stream == "stderr" {
		s.errTail = append(s.errTail, line)
		if len(s.errTail) > 5 {
			s.errTail = s.errTail[1:]
		}
	}
	if s.logged+len(line) > s.h.cfg.MaxLogBytes {
		s.dropped += len(line) + 1
		return
	}
	s.logged += len(line) + 1
	if s.t.Logger != nil {
		s.t.Logger.Info(stream, "line", line)
	}
}

// tail is the end of stderr for an error message.
func (s *logSink) tail() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.errTail) == 0 {
		return ""
	}
	msg := strings.Join(s.errTail, " | ")
	if len(msg) > 500 {
		cut := len(msg) - 500
		for cut < len(msg) && !utf8.RuneStart(msg[cut]) {
			cut++
		}
		msg = "…" + msg[cut:]
	}
	return "; stderr: " + msg
}
