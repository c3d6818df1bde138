package ui

import (
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/dagworker/dagworker/internal/api"
)

// chromium returns the browser the UI tests drive: $DAGWORKER_CHROMIUM, or
// chromium (Debian's package) or Chrome on PATH. Without one the test is
// skipped, unless DAGWORKER_TEST_REQUIRE_CHROMIUM=1 (CI) makes it an error.
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("DAGWORKER_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("DAGWORKER_TEST_REQUIRE_CHROMIUM") == "1" {
		t.Fatal("no chromium on PATH and DAGWORKER_TEST_REQUIRE_CHROMIUM=1 (install Debian's chromium package)")
	}
	t.Skip("no chromium on PATH (set DAGWORKER_TEST_REQUIRE_CHROMIUM=1 to make this an error)")
	return ""
}

// artifacts is the folder the screenshots go to: $DAGWORKER_TEST_ARTIFACTS,
// or a new temporary folder (kept, and logged).
func artifacts(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("DAGWORKER_TEST_ARTIFACTS")
	if dir == "" {
		var err error
		dir, err = os.MkdirTemp("", "dagworker-ui-artifacts-")
		require.NoError(t, err)
	}
	dir = filepath.Join(dir, "ui")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	t.Logf("screenshots in %s", dir)
	return dir
}

// tab is one browser tab on the test server.
type tab struct {
	t    *testing.T
	ctx  context.Context
	base string
	shot string
}

func (b *tab) do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	require.NoError(b.t, chromedp.Do(b.ctx, steps...))
}

func (b *tab) eval(expr string) string {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](expr))
	require.NoError(b.t, err, expr)
	return v
}

// wait polls a JavaScript predicate until it holds (60s at most); a poll
// that a navigation ends starts again on the new page.
func (b *tab) wait(what, expr string) {
	b.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		_, err := chromedp.Run(b.ctx, chromedp.Poll[bool](expr, chromedp.WithPollingInterval(100*time.Millisecond),
			chromedp.WithPollingTimeout(time.Until(deadline))))
		if err == nil {
			return
		}
		if time.Now().After(deadline) || b.ctx.Err() != nil {
			require.NoError(b.t, err, "waiting for %s: %s", what, expr)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// clear empties a form field.
func (b *tab) clear(sel string) {
	b.t.Helper()
	b.eval(`(document.querySelector(` + strconv.Quote(sel) + `).value = "")`)
}

// click clicks the first element matching the CSS selector.
func (b *tab) click(sel string) {
	b.t.Helper()
	b.eval(`(document.querySelector(` + strconv.Quote(sel) + `).click(), "")`)
}

// visible waits until an element matching the CSS selector is shown.
func (b *tab) visible(sel string) {
	b.t.Helper()
	b.wait(sel, `(e => !!e && e.offsetParent !== null)(document.querySelector(`+strconv.Quote(sel)+`))`)
}

func (b *tab) open(path string) { b.t.Helper(); b.do(chromedp.Navigate(b.base + path)) }

func (b *tab) location() string {
	b.t.Helper()
	loc, err := chromedp.Run(b.ctx, chromedp.Location())
	require.NoError(b.t, err)
	return strings.TrimPrefix(loc, b.base)
}

// screenshot writes the whole page as a PNG to the artefact folder.
func (b *tab) screenshot(name string) {
	b.t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	require.NoError(b.t, err)
	require.NoError(b.t, os.WriteFile(filepath.Join(b.shot, name+".png"), png, 0o644))
}

func (b *tab) login(user, pass string) {
	b.t.Helper()
	b.open("/")
	b.visible("#login-form")
	require.True(b.t, strings.HasPrefix(b.location(), "/login?next="), b.location())
	b.do(chromedp.SendKeys("#username", user), chromedp.SendKeys("#password", pass))
	b.click("#login-submit")
	b.visible("#dag-list")
}

// checkDownload downloads the link (href is a JavaScript expression) in
// the page's session and checks the PDF's text with pdftotext, when this
// build serves the outputs endpoint (the API's OpenAPI document lists
// get_output); otherwise it checks that the API does not serve the link.
func (b *tab) checkDownload(href, want string) {
	b.t.Helper()
	spec := b.evalAwait(`fetch("/api/v2/openapi.json").then(r => r.text())`)
	status := b.evalAwait(`fetch(` + href + `).then(r => String(r.status))`)
	if !strings.Contains(spec, `"get_output"`) {
		require.Equal(b.t, "404", status, "no outputs endpoint in this build, yet its link answers")
		b.t.Log("the outputs endpoint is not in this build: checked the link, not the download")
		return
	}
	require.Equal(b.t, "200", status)
	data := b.evalAwait(`fetch(` + href + `).then(r => r.arrayBuffer()).then(a => btoa(String.fromCharCode(...new Uint8Array(a))))`)
	pdf, err := base64.StdEncoding.DecodeString(data)
	require.NoError(b.t, err)
	file := filepath.Join(b.shot, "download.pdf")
	require.NoError(b.t, os.WriteFile(file, pdf, 0o644))
	pdftotext, err := exec.LookPath("pdftotext")
	require.NoError(b.t, err, "pdftotext (poppler-utils) is needed to check the downloaded report")
	out, err := exec.Command(pdftotext, file, "-").CombinedOutput()
	require.NoError(b.t, err, string(out))
	require.Contains(b.t, string(out), want)
}

func (b *tab) evalAwait(expr string) string {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](expr, chromedp.EvalAwaitPromise))
	require.NoError(b.t, err, expr)
	return v
}

func startBrowser(t *testing.T, base string) *tab {
	t.Helper()
	exe := chromium(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe), chromedp.Headless, chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.WindowSize(1280, 900), chromedp.Flag("disable-dev-shm-usage", true))
	// Every browser step ends within the test's bound.
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	bctx, bcancel := chromedp.NewContext(actx)
	t.Cleanup(func() {
		bcancel()
		acancel()
		cancel()
	})
	return &tab{t: t, ctx: bctx, base: base, shot: artifacts(t)}
}

// TestBrowser drives the UI in headless Chromium against a server with a
// real Redis and a real worker: log in, see the DAGs, trigger a run with
// conf from the form, watch the grid turn green, read a task's log and its
// output link, clear a failed task and see it rerun, run an ad-hoc task,
// open asynqmon, and see a read-only user get no buttons and a 403.
func TestBrowser(t *testing.T) {
	s := startServer(t)
	b := startBrowser(t, s.url)

	b.open("/")
	b.visible("#login-form")
	b.screenshot("01-login")
	b.login(adminUser, adminPass)
	require.Equal(t, "admin (trigger)", b.eval(`document.querySelector("#user").textContent`))
	require.Equal(t, "true", b.eval(`String(!!document.querySelector('tr[data-dag="pipeline"]') && !!document.querySelector('tr[data-dag="flaky"]'))`))
	require.Contains(t, b.eval(`document.querySelector("#import-errors").textContent`), "broken.yaml")
	b.screenshot("02-dags")

	// Trigger from the form: bad JSON is caught before the form is sent.
	b.click(`a.dag-link[href="/dags/pipeline"]`)
	b.visible("#trigger-form")
	require.Contains(t, b.eval(`document.querySelector("#conf").value`), `"sites": 3`)
	b.clear("#conf")
	b.do(chromedp.SendKeys("#conf", `{"sites": 2,`))
	b.wait("the conf error", `!document.querySelector("#conf-error").hidden`)
	b.click("#trigger-submit")
	b.do(chromedp.Sleep(300 * time.Millisecond))
	require.Equal(t, "/dags/pipeline", b.location(), "an invalid conf was submitted")
	b.clear("#conf")
	b.do(chromedp.SendKeys("#conf", `{"sites": 2, "label": "from the form"}`), chromedp.SendKeys("#run_id", "ui1"))
	b.wait("the conf error to go", `document.querySelector("#conf-error").hidden`)
	b.click("#trigger-submit")
	b.visible("#tis")
	require.Equal(t, "/dags/pipeline/runs/ui1", b.location())
	run, err := s.be.Run(context.Background(), "pipeline", "ui1")
	require.NoError(t, err)
	require.Equal(t, "from the form", run.Conf["label"])

	// The grid refreshes itself until the run is green.
	b.open("/dags/pipeline")
	b.visible("#grid")
	require.Equal(t, "true", b.eval(`document.querySelector("#grid").dataset.live`), "the run should still be running (settle sleeps)")
	b.screenshot("03-dag-running")
	b.wait("the run's square to turn green", `document.querySelector('#grid [data-run="ui1"]')?.dataset.state === "success"`)
	b.wait("every task to be green", `[...document.querySelectorAll('#grid tr:not(.grouprow) td .sq')].every(e => e.dataset.state === "success")`)
	require.Equal(t, "rgb(0, 128, 0)", b.eval(`getComputedStyle(document.querySelector('#grid [data-run="ui1"]')).backgroundColor`))
	b.screenshot("04-dag")
	// The task group collapses.
	require.Equal(t, "true", b.eval(`String(document.querySelector('#grid tr[data-task="extract.fetch"]').offsetParent !== null)`))
	b.click("#g1")
	require.Equal(t, "false", b.eval(`String(document.querySelector('#grid tr[data-task="extract.fetch"]').offsetParent !== null)`))
	require.Contains(t, b.eval(`document.querySelector("#graph").innerHTML`), `data-task="notify"`)
	require.Equal(t, "#008000", b.eval(`document.querySelector('#graph g[data-task="report"] rect').getAttribute("stroke")`), "the graph follows the run")
	require.Contains(t, b.eval(`document.querySelector("#graph").textContent`), "all_done")
	require.Contains(t, b.eval(`document.querySelector("#source").textContent`), "task_id: report")

	// A task's log and its output link.
	b.click(`#grid tr[data-task="report"] a.sq`)
	b.visible("#log-1")
	require.Contains(t, b.eval(`document.querySelector("#log-1").textContent`), "writing the report")
	require.Equal(t, "/api/dagworker/v1/outputs/pipeline/ui1/report/report.pdf", b.eval(`document.querySelector("a.output").getAttribute("href")`))
	b.screenshot("05-run")
	b.checkDownload(`document.querySelector("a.output").getAttribute("href")`, "dagworker test report ui1")

	// A failed task cleared reruns; the page follows it.
	b.open("/dags/flaky")
	b.visible("#trigger-form")
	b.do(chromedp.SendKeys("#run_id", "ui-flaky"))
	b.click("#trigger-submit")
	b.visible("#tis")
	b.wait("the flaky run to fail", `document.querySelector("#tis").dataset.runState === "failed"`)
	b.open("/dags/flaky/runs/ui-flaky?task=wobbly")
	b.visible("#clear-task")
	require.Equal(t, "failed", b.eval(`document.querySelector('tr.ti[data-task="wobbly"]').dataset.state`))
	b.screenshot("06-run-failed")
	b.click("#clear-task")
	b.visible("#tis")
	b.wait("the cleared run to succeed", `document.querySelector("#tis").dataset.runState === "success"`)
	require.Contains(t, b.eval(`document.querySelector('tr.ti[data-task="wobbly"]').textContent`), "2/")
	require.Equal(t, "success", b.eval(`document.querySelector('tr.ti[data-task="after"]').dataset.state`))
	b.screenshot("07-run-cleared")

	// An ad-hoc task.
	b.open("/tasks")
	b.visible("#task-form")
	b.eval(`document.querySelector("#task-type").value = "echo"`)
	b.clear("#task-args")
	b.do(chromedp.SendKeys("#task-args", `{"greeting": "hello from the browser"}`))
	b.click("#task-submit")
	b.visible("#task-state")
	b.wait("the ad-hoc task to succeed", `document.querySelector("#task-state")?.dataset.state === "success"`)
	require.Contains(t, b.eval(`document.querySelector("#task-result").textContent`), "hello from the browser")
	b.screenshot("08-task")

	// asynqmon, with the queues of the server.
	b.open("/asynqmon/")
	b.wait("asynqmon's page", `document.body.innerText.includes("Queues")`)
	b.screenshot("09-asynqmon")

	// A read-only user: no buttons, and a 403 when posting anyway.
	b.open("/")
	b.visible("#dag-list")
	b.click(`form[action="/logout"] button`)
	b.visible("#login-form")
	b.do(chromedp.SendKeys("#username", viewerUser), chromedp.SendKeys("#password", viewerPass))
	b.click("#login-submit")
	b.visible("#dag-list")
	require.Equal(t, "0", b.eval(`String(document.querySelectorAll('[data-action="pause"]').length)`))
	b.open("/dags/pipeline")
	b.visible("#grid")
	require.Equal(t, "false", b.eval(`String(!!document.querySelector("#trigger-form"))`))
	b.open("/dags/pipeline/runs/ui1")
	b.visible("#tis")
	require.Equal(t, "false", b.eval(`String(!!document.querySelector("#run-actions"))`))
	b.screenshot("10-read-only")
	status, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](`fetch("/dags/pipeline/trigger", {method: "POST",
		body: new URLSearchParams({csrf: document.querySelector('input[name="csrf"]').value, conf: "{}", run_id: "sneaky"})}).then(r => r.status)`,
		chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	require.Equal(t, 403, status)
	_, err = s.be.Run(context.Background(), "pipeline", "sneaky")
	require.ErrorIs(t, err, api.ErrNotFound)
	fmt.Fprintln(os.Stderr, "ui browser test: screenshots in", b.shot)
}
