package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dagworker/dagworker/internal/apiclient"
	"github.com/dagworker/dagworker/internal/demosite"
	"github.com/dagworker/dagworker/internal/redistest"
)

const (
	cliTrigTok = "cli-trigger-token-0123"
	cliReadTok = "cli-read-token-0123"
)

// cliServer is a real `dagworker serve` (coordinator, worker, API) on a
// loopback port over a real Redis and a file data lake.
type cliServer struct {
	url, queue, lake, site string
}

func startCLIServer(t *testing.T) *cliServer {
	t.Helper()
	env := redistest.New(t)
	queue := env.Queue("cli")
	ctx, cancel := context.WithCancel(context.Background())
	site, err := demosite.Start(ctx, "127.0.0.1:0")
	require.NoError(t, err)
	dir, lake := t.TempDir(), t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "cli.yaml"), []byte(`
ok_dag:
  schedule: null
  default_args: {queue: `+queue+`}
  tasks:
    - {task_id: a, operator: echo, msg: hello from a}
    - {task_id: b, operator: noop, dependencies: [a]}
bad_dag:
  schedule: null
  default_args: {queue: `+queue+`, retries: 0}
  tasks:
    - {task_id: boom, operator: fail, message: on purpose}
flaky_dag:
  schedule: null
  default_args: {queue: `+queue+`, retries: 1, retry_delay: 1s}
  tasks:
    - {task_id: flaky, operator: fail, until_try: 2, message: first try breaks}
bf_dag:
  schedule: "0 0 * * *"
  start_date: 2026-01-01
  is_paused_upon_creation: true
  default_args: {queue: `+queue+`}
  tasks:
    - {task_id: a, operator: noop}
report_dag:
  schedule: null
  default_args: {queue: `+queue+`, retries: 0}
  tasks:
    - task_id: scrape
      operator: scrape
      urls: ["`+site.URL()+`/en/"]
      max_pages: 4
      max_depth: 1
      allow_private: true
    - {task_id: classify, operator: classify, dependencies: [scrape], model: demo-sentiment, pipeline: text_classification}
    - {task_id: report, operator: render, dependencies: [classify], title: CLI report}
`), 0o644))
	addr := metricsFreeAddr(t)
	out := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--addr", addr, "--redis-url", env.URL, "--key-prefix", env.Prefix, "--dags", dir,
			"--blob-url", "file://" + filepath.ToSlash(lake), "--queues", queue + ":1", "--concurrency", "4",
			"--api-tokens", cliTrigTok + ":trigger," + cliReadTok + ":read", "--api-users", "alice:pw-alice:trigger"}, out, io.Discard)
	}()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-done)
		_ = site.Close()
	})
	waitUntil(t, 30*time.Second, "the serve banner", func() bool { return strings.Contains(out.String(), "API:") })
	// The banner names the UI, the API and the server's URL once.
	require.Contains(t, out.String(), "UI:    http://"+addr+"/")
	require.Contains(t, out.String(), "--api-url http://"+addr)
	require.Equal(t, 1, strings.Count(out.String(), "dagworker is up"))
	return &cliServer{url: "http://" + addr, queue: queue, lake: lake, site: site.URL()}
}

// cli runs one command line; it returns stdout, stderr and the error.
func cli(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, &out, &errOut)
	return out.String(), errOut.String(), err
}

// TestCLIThroughServer runs the CLI's commands against a real server over
// HTTP with no Redis URL given anywhere. It is not parallel: it points
// the user's config directory (the token file) at a temporary folder.
func TestCLIThroughServer(t *testing.T) {
	cfg := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", cfg)
	t.Setenv("HOME", t.TempDir())
	for _, k := range []string{"DAGWORKER_REDIS_URL", "DAGWORKER_API_URL", "DAGWORKER_TOKEN", "DAGWORKER_USER", "DAGWORKER_PASSWORD"} {
		t.Setenv(k, "")
	}
	s := startCLIServer(t)
	remote := []string{"--api-url", s.url, "--token", cliTrigTok}

	t.Run("no server named", func(t *testing.T) {
		_, _, err := cli(t, "runs", "list", "ok_dag")
		require.ErrorContains(t, err, "--api-url")
	})

	t.Run("login", func(t *testing.T) {
		_, _, err := cli(t, "login", "--api-url", s.url, "--user", "alice", "--password", "wrong")
		require.ErrorIs(t, err, apiclient.ErrUnauthorized)
		out, _, err := cli(t, "login", "--api-url", s.url, "--user", "alice", "--password", "pw-alice")
		require.NoError(t, err)
		path := filepath.Join(cfg, "dagworker", "token")
		require.Contains(t, out, path)
		st, err := os.Stat(path)
		require.NoError(t, err)
		require.Equal(t, os.FileMode(0o600), st.Mode().Perm())
		tok, err := os.ReadFile(path)
		require.NoError(t, err)
		require.Len(t, strings.Split(strings.TrimSpace(string(tok)), "."), 3, "a JWT")
		// Later commands use the saved token without credentials on the line.
		out, _, err = cli(t, "dags", "list", "--remote", "--api-url", s.url)
		require.NoError(t, err)
		require.Regexp(t, `(?m)^ok_dag\s+false\s+manual`, out)
		require.Contains(t, out, "report_dag")
		// A static token is checked and saved as well.
		_, _, err = cli(t, "login", "--api-url", s.url, "--token", "not-a-token")
		require.ErrorIs(t, err, apiclient.ErrUnauthorized)
		_, _, err = cli(t, "login", "--api-url", s.url, "--token", cliReadTok)
		require.NoError(t, err)
		tok, err = os.ReadFile(path)
		require.NoError(t, err)
		require.Equal(t, cliReadTok+"\n", string(tok))
	})

	t.Run("trigger wait success", func(t *testing.T) {
		out, errOut, err := cli(t, append([]string{"trigger", "ok_dag", "--run-id", "r1", "--conf", `{"x": 1}`, "--wait", "--timeout", "60s"}, remote...)...)
		require.NoError(t, err, errOut)
		require.Contains(t, out, "triggered ok_dag run r1 (")
		require.Contains(t, out, "dag ok_dag run r1: success")
		require.Regexp(t, `(?m)^a\s+success\s+1/1`, out)
		// Not a terminal: one line per change, the last one the end.
		require.Contains(t, errOut, "r1 success: 2/2 tasks done")
		require.NotContains(t, errOut, "\033[")
		require.NotContains(t, errOut, "warning", "no Redis warning through the API")
		// The same id again is not a second run.
		out, _, err = cli(t, append([]string{"trigger", "ok_dag", "--run-id", "r1"}, remote...)...)
		require.NoError(t, err)
		require.Contains(t, out, "exists already (success)")
	})

	t.Run("trigger wait failure exits 1", func(t *testing.T) {
		out, errOut, err := cli(t, append([]string{"trigger", "bad_dag", "--run-id", "f1", "--wait", "--timeout", "60s"}, remote...)...)
		require.Equal(t, exitError(1), err, errOut)
		require.Contains(t, out, "dag bad_dag run f1: failed")
		require.Contains(t, errOut, "failed: boom: task failed on purpose: on purpose")
		require.Regexp(t, `(?m)^boom\s+failed\s+1/1\s+.*on purpose$`, out)
	})

	t.Run("trigger refusals", func(t *testing.T) {
		_, _, err := cli(t, append([]string{"trigger", "nightly_sites"}, remote...)...)
		require.ErrorIs(t, err, apiclient.ErrNotFound, "a DAG the server did not load is not triggered")
		_, _, err = cli(t, "trigger", "ok_dag", "--api-url", s.url, "--token", cliReadTok)
		require.ErrorContains(t, err, "403")
		_, _, err = cli(t, "trigger", "ok_dag", "--api-url", s.url, "--token", "nope")
		require.ErrorIs(t, err, apiclient.ErrUnauthorized)
		_, _, err = cli(t, append([]string{"trigger"}, remote...)...)
		require.Equal(t, exitError(2), err)
	})

	t.Run("runs", func(t *testing.T) {
		out, errOut, err := cli(t, append([]string{"runs", "list", "ok_dag"}, remote...)...)
		require.NoError(t, err, errOut)
		require.Regexp(t, `(?m)^r1\s+success\s+manual\s+.*2/2$`, out)
		out, _, err = cli(t, append([]string{"runs", "show", "ok_dag", "r1"}, remote...)...)
		require.NoError(t, err)
		require.Contains(t, out, "dag ok_dag run r1: success (manual)")
		require.Regexp(t, `(?m)^b\s+success\s+1/1`, out)
		out, _, err = cli(t, append([]string{"runs", "logs", "ok_dag", "r1", "a"}, remote...)...)
		require.NoError(t, err)
		require.Contains(t, out, "task_id=a")
		_, _, err = cli(t, append([]string{"runs", "show", "ok_dag", "nope"}, remote...)...)
		require.ErrorIs(t, err, apiclient.ErrNotFound)

		// A retried task: both tries' logs, by number.
		_, errOut, err = cli(t, append([]string{"trigger", "flaky_dag", "--run-id", "k1", "--wait", "--timeout", "60s"}, remote...)...)
		require.NoError(t, err, errOut)
		out, _, err = cli(t, append([]string{"runs", "logs", "flaky_dag", "k1", "flaky", "--try", "1"}, remote...)...)
		require.NoError(t, err)
		require.Contains(t, out, "first try breaks")
		out, _, err = cli(t, append([]string{"runs", "logs", "flaky_dag", "k1", "flaky"}, remote...)...)
		require.NoError(t, err)
		require.Contains(t, out, "try=2")

		// Clear the failed run: its task runs again (a second try).
		out, errOut, err = cli(t, append([]string{"runs", "clear", "bad_dag", "f1", "--only-failed"}, remote...)...)
		require.NoError(t, err, errOut)
		require.Contains(t, out, "cleared run f1 of bad_dag")
		c, err := apiclient.New(apiclient.Config{URL: s.url, Token: cliReadTok})
		require.NoError(t, err)
		waitUntil(t, 60*time.Second, "the cleared task's second try", func() bool {
			ti, err := c.TaskInstance(context.Background(), "bad_dag", "f1", "boom")
			return err == nil && ti.TryNumber == 2 && ti.State != nil && *ti.State == "failed"
		})
	})

	t.Run("dags pause unpause", func(t *testing.T) {
		out, _, err := cli(t, append([]string{"dags", "pause", "ok_dag"}, remote...)...)
		require.NoError(t, err)
		require.Contains(t, out, "dag ok_dag: paused true")
		out, _, err = cli(t, append([]string{"dags", "list", "--remote"}, remote...)...)
		require.NoError(t, err)
		require.Regexp(t, `(?m)^ok_dag\s+true\s`, out)
		out, _, err = cli(t, append([]string{"dags", "unpause", "ok_dag"}, remote...)...)
		require.NoError(t, err)
		require.Contains(t, out, "dag ok_dag: paused false")
		_, _, err = cli(t, append([]string{"dags", "pause", "no_such_dag"}, remote...)...)
		require.ErrorIs(t, err, apiclient.ErrNotFound)
		_, _, err = cli(t, "dags", "list", "--remote")
		require.ErrorContains(t, err, "--api-url")
	})

	t.Run("backfill", func(t *testing.T) {
		args := append([]string{"backfill", "bf_dag", "--from", "2026-01-01", "--to", "2026-01-03", "--dry-run"}, remote...)
		out, _, err := cli(t, args...)
		require.NoError(t, err)
		require.Equal(t, "backfill of bf_dag would run 3 logical dates:\n2026-01-01T00:00:00Z\n2026-01-02T00:00:00Z\n2026-01-03T00:00:00Z\n", out)
		out, _, err = cli(t, append([]string{"backfill", "bf_dag", "--from", "2026-01-01", "--to", "2026-01-03", "--max-active-runs", "2"}, remote...)...)
		require.NoError(t, err)
		require.Regexp(t, `^backfill \d+ of bf_dag: 2026-01-01T00:00:00Z to 2026-01-03T00:00:00Z, max 2 active runs`, out)
		// The runs exist now: a second dry run has nothing left to do.
		out, _, err = cli(t, args...)
		require.NoError(t, err)
		require.Equal(t, "backfill of bf_dag would run 0 logical dates:\n", out)
		_, _, err = cli(t, append([]string{"backfill", "ok_dag", "--from", "2026-01-01", "--to", "2026-01-03"}, remote...)...)
		require.Error(t, err, "a DAG without a schedule")
		_, errOut, err := cli(t, "backfill", "bf_dag", "--from", "2026-01-01")
		require.Error(t, err)
		require.Contains(t, errOut, "usage: dagworker backfill")
	})

	t.Run("enqueue and tasks show", func(t *testing.T) {
		out, errOut, err := cli(t, append([]string{"enqueue", "echo", "--arg", "msg=hi", "--queue", s.queue, "--wait", "--timeout", "60s"}, remote...)...)
		require.NoError(t, err, errOut)
		require.Contains(t, out, "state: success")
		require.Contains(t, out, `"msg":"hi"`)
		id := strings.SplitN(out, "\n", 2)[0]
		out, _, err = cli(t, append([]string{"tasks", "show", id}, remote...)...)
		require.NoError(t, err)
		require.Contains(t, out, "task "+id+"\ntype: echo\nqueue: "+s.queue)
		require.Contains(t, out, "state: success")
		_, _, err = cli(t, append([]string{"tasks", "show", "no-such-task"}, remote...)...)
		require.ErrorIs(t, err, apiclient.ErrNotFound)

		// An ad-hoc task's outputs are listed with their download URLs.
		out, errOut, err = cli(t, append([]string{"enqueue", "scrape", "--queue", s.queue, "--wait", "--timeout", "120s",
			"--args", `{"urls": ["` + s.site + `/en/"], "max_pages": 2, "max_depth": 0, "allow_private": true}`}, remote...)...)
		require.NoError(t, err, errOut)
		id = strings.SplitN(out, "\n", 2)[0]
		require.Contains(t, out, "output scrape/pages.jsonl")
		require.Contains(t, out, s.url+"/api/dagworker/v1/outputs/adhoc/"+id+"/scrape/pages.jsonl")

		// A type the server's workers do not run is refused before it is
		// enqueued, with the known types; so is bash (DAG files only).
		for _, typ := range []string{"no_such_type", "bash"} {
			out, _, err = cli(t, append([]string{"enqueue", typ, "--queue", s.queue}, remote...)...)
			require.ErrorContains(t, err, "known types: ", typ)
			require.ErrorContains(t, err, "echo", typ)
			require.Empty(t, out, "no task id: nothing was enqueued")
		}
	})

	t.Run("report output through the server", func(t *testing.T) {
		out, errOut, err := cli(t, append([]string{"trigger", "report_dag", "--run-id", "rep1", "--wait", "--timeout", "300s"}, remote...)...)
		require.NoError(t, err, "%s\n%s", out, errOut)
		want := s.url + "/api/dagworker/v1/outputs/report_dag/rep1/report/report.pdf"
		require.Contains(t, out, "report: "+want)
		require.Contains(t, out, "output scrape/pages.jsonl")
		show, _, err := cli(t, append([]string{"runs", "show", "report_dag", "rep1"}, remote...)...)
		require.NoError(t, err)
		require.Contains(t, show, "report: "+want)

		req, err := http.NewRequest("GET", want, nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+cliReadTok)
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer res.Body.Close()
		body, err := io.ReadAll(res.Body)
		require.NoError(t, err)
		require.Equal(t, 200, res.StatusCode)
		require.Equal(t, "application/pdf", res.Header.Get("Content-Type"))
		require.Equal(t, "attachment; filename=report.pdf", res.Header.Get("Content-Disposition"))
		require.True(t, bytes.HasPrefix(body, []byte("%PDF-")))
		onDisk, err := os.ReadFile(filepath.Join(s.lake, "runs", "report_dag", "rep1", "report", "report.pdf"))
		require.NoError(t, err)
		require.Equal(t, onDisk, body)

		// Through the whole server's mux, traversal does not reach the lake.
		noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		for _, p := range []string{"/report/%2e%2e", "/%2e%2e/report.pdf", "/report/..%2f..%2f..%2freport%2freport.pdf", "/report/../report/report.pdf"} {
			req, err := http.NewRequest("GET", s.url+"/api/dagworker/v1/outputs/report_dag/rep1"+p, nil)
			require.NoError(t, err)
			req.Header.Set("Authorization", "Bearer "+cliReadTok)
			res, err := noRedirect.Do(req)
			require.NoError(t, err)
			body, err := io.ReadAll(res.Body)
			_ = res.Body.Close()
			require.NoError(t, err)
			if res.StatusCode/100 == 3 {
				// A literal ".." is cleaned by a redirect to the path it means,
				// which then needs the credentials again like any request.
				require.NotContains(t, res.Header.Get("Location"), "..", p)
				continue
			}
			require.Contains(t, []int{404, 422}, res.StatusCode, "%s: %s", p, body)
			require.False(t, bytes.HasPrefix(body, []byte("%PDF")), p)
		}
	})
}

// TestCLIHelpVersionCompletion: --help exits 0 on every (sub)command,
// mistyped names get suggestions, version prints the build, and the
// completion scripts are valid.
func TestCLIHelpVersionCompletion(t *testing.T) {
	t.Parallel()
	for name, c := range commands() {
		_, _, err := cli(t, name, "--help")
		require.NoError(t, err, "%s --help", name)
		_, _, err = cli(t, name, "-h")
		require.NoError(t, err, "%s -h", name)
		for _, sub := range c.subs {
			_, _, err := cli(t, name, sub, "--help")
			require.NoError(t, err, "%s %s --help", name, sub)
		}
	}

	// Asked for, the usage goes to stdout.
	out, errOut, err := cli(t, "trigger", "--help")
	require.NoError(t, err)
	require.Contains(t, out, "-api-url")
	require.Empty(t, errOut)
	out, _, err = cli(t, "help", "runs")
	require.NoError(t, err)
	require.Contains(t, out, "runs clear <dag_id> <run_id>")

	tests := []struct {
		args []string
		want string
	}{
		{[]string{"trigerr", "x"}, `unknown command "trigerr"; did you mean trigger?`},
		{[]string{"runs", "lsit", "x"}, `unknown subcommand "lsit"; did you mean list?`},
		{[]string{"dags", "pasue", "x"}, `did you mean pause?`},
		{[]string{"runs", "list", "x", "--limt", "3"}, `unknown flag "limt"; did you mean --limit?`},
		{[]string{"trigger", "x", "--api-ulr", "http://h"}, `did you mean --api-url?`},
		{[]string{"completion", "bassh"}, `unknown shell "bassh"; did you mean bash?`},
		{[]string{"dags", "lst"}, `did you mean list?`},
	}
	for _, tt := range tests {
		_, errOut, err := cli(t, tt.args...)
		require.Error(t, err, tt.args)
		require.Contains(t, errOut, tt.want, tt.args)
	}

	for _, args := range [][]string{{"version"}, {"--version"}} {
		out, _, err := cli(t, args...)
		require.NoError(t, err)
		require.Regexp(t, `^dagworker \S+ .*go1\.\d+`, out)
	}

	bashScript, _, err := cli(t, "completion", "bash")
	require.NoError(t, err)
	for _, w := range []string{"complete -o default -F _dagworker dagworker", "runs)", "clear list logs show", "--api-url", "--only-failed", "--remote"} {
		require.Contains(t, bashScript, w)
	}
	f := filepath.Join(t.TempDir(), "dagworker.bash")
	require.NoError(t, os.WriteFile(f, []byte(bashScript), 0o644))
	outB, err := exec.Command("bash", "-n", f).CombinedOutput()
	require.NoError(t, err, string(outB))
	// Completing "dagworker runs l" and "dagworker runs list --li" in bash.
	probe := "source " + f + `; COMP_WORDS=(dagworker runs l); COMP_CWORD=2; _dagworker; echo "${COMPREPLY[@]}";` +
		` COMP_WORDS=(dagworker runs list --li); COMP_CWORD=3; _dagworker; echo "${COMPREPLY[@]}"`
	outB, err = exec.Command("bash", "-c", probe).CombinedOutput()
	require.NoError(t, err, string(outB))
	require.Equal(t, "list logs\n--limit\n", string(outB))

	zsh, _, err := cli(t, "completion", "zsh")
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(zsh, "#compdef dagworker\n"))
	fish, _, err := cli(t, "completion", "fish")
	require.NoError(t, err)
	require.Regexp(t, regexp.MustCompile(`(?m)^complete -c dagworker -n '__fish_seen_subcommand_from runs; and __fish_seen_subcommand_from clear' -l only-failed`), fish)
	for shell, script := range map[string]string{"zsh": zsh, "fish": fish} {
		if _, err := exec.LookPath(shell); err != nil {
			if os.Getenv("DAGWORKER_TEST_REQUIRE_SHELLS") != "" {
				t.Fatalf("%s is not installed (DAGWORKER_TEST_REQUIRE_SHELLS is set)", shell)
			}
			t.Logf("%s is not installed: its script is checked for content only", shell)
			continue
		}
		p := filepath.Join(t.TempDir(), "completion."+shell)
		require.NoError(t, os.WriteFile(p, []byte(script), 0o644))
		outB, err := exec.Command(shell, "-n", p).CombinedOutput()
		require.NoError(t, err, "%s -n: %s", shell, outB)
	}
}

// TestCLIExitCodes runs the binary itself: the exit statuses a shell sees.
func TestCLIExitCodes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		code int
	}{
		{[]string{"trigger", "--help"}, 0},
		{[]string{"runs", "clear", "-h"}, 0},
		{[]string{"version"}, 0},
		{[]string{"trigger"}, 2},
		{[]string{"runs", "list", "x", "--bogus"}, 2},
		{[]string{}, 2},
		{[]string{"no-such-command"}, 1},
	}
	for _, tt := range tests {
		c := startChild(t, tt.args...)
		<-c.done
		code := 0
		var ee *exec.ExitError
		if errors.As(c.err, &ee) {
			code = ee.ExitCode()
		} else {
			require.NoError(t, c.err)
		}
		require.Equal(t, tt.code, code, "%v: %s", tt.args, c.out.String())
	}
}

func TestTryError(t *testing.T) {
	t.Parallel()
	tests := []struct{ log, want string }{
		{`time=x level=ERROR msg="try failed" dag_id=d try=1 error="task failed on purpose: on \"x\""` + "\n", `task failed on purpose: on "x"`},
		{`level=INFO msg=start` + "\n" + `level=ERROR msg="try failed" error=plain next=1`, "plain"},
		{`level=ERROR msg="try failed" error="first"` + "\n" + `level=ERROR msg="try failed" error="second"`, "second"},
		{`level=INFO msg=done`, ""},
		{`level=ERROR msg="try failed" dag_id=d`, ""},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, tryError(tt.log), tt.log)
	}
}
