package ui

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dagworker/dagworker/internal/api"
)

func TestLoginSessionAndCSRF(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	b := s.client(t)

	// Not logged in: pages redirect to the login page, posts are refused.
	p := b.get("/dags/pipeline?offset=0")
	require.Equal(t, http.StatusSeeOther, p.status)
	require.Equal(t, "/login?next="+url.QueryEscape("/dags/pipeline?offset=0"), p.header.Get("Location"))
	require.Equal(t, http.StatusUnauthorized, b.do("POST", "/dags/pipeline/trigger", url.Values{"conf": {"{}"}}, nil).status)

	// A wrong password stays on the login page.
	login := b.get("/login")
	bad := b.do("POST", "/login", url.Values{"csrf": {login.csrf(t)}, "username": {adminUser}, "password": {"nope"}}, nil)
	require.Equal(t, http.StatusUnauthorized, bad.status)
	require.Contains(t, bad.body, "Wrong user name or password")
	// A login without the CSRF token is refused.
	require.Equal(t, http.StatusForbidden, b.do("POST", "/login", url.Values{"username": {adminUser}, "password": {adminPass}}, nil).status)

	b.login(adminUser, adminPass)
	u, _ := url.Parse(s.url)
	var session *http.Cookie
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == sessionCookie {
			session = c
		}
	}
	require.NotNil(t, session, "no session cookie")
	res := b.do("POST", "/login", nil, nil) // the Set-Cookie attributes: read from a fresh login
	_ = res
	home := b.get("/")
	require.Equal(t, 200, home.status, home.body)
	require.Contains(t, home.body, `data-dag="pipeline"`)

	// A form post without the token, or with a wrong one, is refused and
	// changes nothing.
	for _, tok := range []string{"", "forged"} {
		r := b.do("POST", "/dags/pipeline/pause", url.Values{"csrf": {tok}, "paused": {"true"}}, nil)
		require.Equal(t, http.StatusForbidden, r.status)
	}
	paused, _, err := s.be.Paused(context.Background(), "pipeline")
	require.NoError(t, err)
	require.False(t, paused)
	r := b.do("POST", "/dags/pipeline/pause", url.Values{"csrf": {home.csrf(t)}, "paused": {"true"}, "back": {"/"}}, nil)
	require.Equal(t, http.StatusSeeOther, r.status, r.body)
	paused, _, err = s.be.Paused(context.Background(), "pipeline")
	require.NoError(t, err)
	require.True(t, paused)

	// Logging out drops the session.
	out := b.do("POST", "/logout", url.Values{"csrf": {home.csrf(t)}}, nil)
	require.Equal(t, http.StatusSeeOther, out.status)
	require.Equal(t, http.StatusSeeOther, b.get("/").status)
}

func TestSessionCookieAttributes(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	b := s.client(t)
	login := b.get("/login")
	res := b.do("POST", "/login", url.Values{"csrf": {login.csrf(t)}, "username": {adminUser}, "password": {adminPass}}, nil)
	require.Equal(t, http.StatusSeeOther, res.status)
	var set string
	for _, c := range res.header.Values("Set-Cookie") {
		if strings.HasPrefix(c, sessionCookie+"=") {
			set = c
		}
	}
	require.Contains(t, set, "HttpOnly")
	require.Contains(t, set, "SameSite=Strict")
	require.NotContains(t, set, "Secure", "plain HTTP: not Secure")
	// Behind TLS the cookie is Secure.
	web := &UI{cfg: Config{}}
	req, _ := http.NewRequest("GET", "https://x/", nil)
	req.TLS = &tlsState
	require.True(t, web.cookie(req, sessionCookie, "v", time.Hour).Secure)
}

func TestBearerAndScopes(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	b := s.client(t)
	read := map[string]string{"Authorization": "Bearer " + readTok}
	trig := map[string]string{"Authorization": "Bearer " + triggerTok}

	p := b.do("GET", "/dags/pipeline", nil, read)
	require.Equal(t, 200, p.status, p.body)
	require.NotContains(t, p.body, `id="trigger-form"`, "a read-scope user sees no trigger form")
	require.NotContains(t, p.body, `data-action="pause"`)
	// A post with read scope is 403 and creates nothing.
	require.Equal(t, http.StatusForbidden, b.do("POST", "/dags/pipeline/trigger", url.Values{"conf": {"{}"}, "run_id": {"nope"}}, read).status)
	_, err := s.be.Run(context.Background(), "pipeline", "nope")
	require.ErrorIs(t, err, api.ErrNotFound)

	p = b.do("GET", "/dags/pipeline", nil, trig)
	require.Contains(t, p.body, `id="trigger-form"`)
	require.Contains(t, p.body, `&#34;sites&#34;: 3`, "conf pre-filled from params")
	// A bearer post needs no CSRF token (a browser cannot forge the header).
	res := b.do("POST", "/dags/pipeline/trigger", url.Values{"conf": {`{"sites": 1}`}, "run_id": {"r1"}, "logical_date": {"2026-03-01T02:00"}}, trig)
	require.Equal(t, http.StatusSeeOther, res.status, res.body)
	require.Equal(t, "/dags/pipeline/runs/r1", res.header.Get("Location"))
	run := s.waitRun(t, "pipeline", "r1")
	require.Equal(t, api.RunSuccess, run.State)
	require.EqualValues(t, 1, run.Conf["sites"])
	require.Equal(t, "2026-03-01T02:00:00Z", run.LogicalDate.Format(time.RFC3339))

	// Bad forms are shown again with their error.
	for _, tc := range []struct{ form url.Values }{
		{url.Values{"conf": {"[1,2]"}}},
		{url.Values{"conf": {"{"}}},
		{url.Values{"conf": {"{}"}, "logical_date": {"yesterday"}}},
		{url.Values{"conf": {"{}"}, "run_id": {"r1"}}},
		{url.Values{"conf": {"{}"}, "run_id": {"a/b"}}},
	} {
		r := b.do("POST", "/dags/pipeline/trigger", tc.form, trig)
		require.Equal(t, http.StatusUnprocessableEntity, r.status, tc.form)
		require.Contains(t, r.body, `id="trigger-error"`)
	}

	// The run page: tasks, the output link, the log.
	p = b.do("GET", "/dags/pipeline/runs/r1?task=report", nil, read)
	require.Equal(t, 200, p.status)
	for _, want := range []string{`data-task="extract.fetch"`, `data-task="notify"`, `href="/api/dagworker/v1/outputs/pipeline/r1/report/report.pdf"`, "writing the report"} {
		require.Contains(t, p.body, want)
	}
	require.NotContains(t, p.body, `id="clear-all"`)

	// The grid: the run's squares are green.
	g := b.do("GET", "/dags/pipeline/grid", nil, read)
	require.Equal(t, 200, g.status)
	require.Contains(t, g.body, `data-run="r1" data-state="success"`)
	require.Contains(t, g.body, `class="graph"`, "the graph refreshes with the grid")
	require.Contains(t, g.body, `id="g1"`, "the task group's toggle")

	// The grid pages by state through the store.
	f := b.do("GET", "/dags/pipeline?state=success", nil, read)
	require.Contains(t, f.body, "1 of 1 success run(s)")
	f = b.do("GET", "/dags/pipeline?state=failed", nil, read)
	require.Contains(t, f.body, "0 of 0 failed run(s)")
	require.NotContains(t, f.body, `data-run="r1"`)
	require.Equal(t, http.StatusBadRequest, b.do("GET", "/dags/pipeline?state=bogus", nil, read).status)

	// Unknown things are 404.
	require.Equal(t, 404, b.do("GET", "/dags/nope", nil, read).status)
	require.Equal(t, 404, b.do("GET", "/dags/pipeline/runs/nope", nil, read).status)
	// A bad token is not logged in.
	require.Equal(t, http.StatusSeeOther, b.do("GET", "/", nil, map[string]string{"Authorization": "Bearer wrong"}).status)
}

func TestDAGsPage(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	b := s.client(t)
	read := map[string]string{"Authorization": "Bearer " + readTok}
	p := b.do("GET", "/", nil, read)
	require.Equal(t, 200, p.status)
	require.Contains(t, p.body, `id="import-errors"`)
	require.Contains(t, p.body, "broken.yaml:")
	require.Contains(t, p.body, "nowhere")
	require.Contains(t, p.body, "every day at 02:00")
	require.Contains(t, p.body, `data-dag="flaky"`)

	p = b.do("GET", "/?tag=nightly", nil, read)
	require.Contains(t, p.body, `data-dag="pipeline"`)
	require.NotContains(t, p.body, `data-dag="flaky"`)
	p = b.do("GET", "/?q=FLAK", nil, read)
	require.Contains(t, p.body, `data-dag="flaky"`)
	require.NotContains(t, p.body, `data-dag="pipeline"`)
}

func TestClearTaskAndRunActions(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	b := s.client(t)
	b.login(adminUser, adminPass)
	dag := b.get("/dags/flaky")
	require.Equal(t, 200, dag.status)
	res := b.do("POST", "/dags/flaky/trigger", url.Values{"csrf": {dag.csrf(t)}, "conf": {"{}"}, "run_id": {"f1"}}, nil)
	require.Equal(t, http.StatusSeeOther, res.status, res.body)
	require.Equal(t, api.RunFailed, s.waitRun(t, "flaky", "f1").State)

	runPage := b.get("/dags/flaky/runs/f1")
	require.Contains(t, runPage.body, `id="clear-failed"`)
	csrf := runPage.csrf(t)
	res = b.do("POST", "/dags/flaky/runs/f1/clear", url.Values{"csrf": {csrf}, "mode": {"task"}, "task": {"wobbly"}}, nil)
	require.Equal(t, http.StatusSeeOther, res.status, res.body)
	require.Equal(t, api.RunSuccess, s.waitRun(t, "flaky", "f1").State)
	tries, err := s.be.Tries(context.Background(), "flaky", "f1", "wobbly")
	require.NoError(t, err)
	require.Len(t, tries, 2)

	// A finished run can be marked, as in Airflow: the succeeded run is
	// marked failed, then success again; an unfinished one too (below).
	require.NotContains(t, b.get("/dags/flaky/runs/f1").body, `id="mark-success"`, "a success run offers no mark success")
	require.Equal(t, http.StatusSeeOther, b.do("POST", "/dags/flaky/runs/f1/mark", url.Values{"csrf": {csrf}, "state": {"failed"}}, nil).status)
	marked, err := s.be.Run(context.Background(), "flaky", "f1")
	require.NoError(t, err)
	require.Equal(t, api.RunFailed, marked.State)
	require.Contains(t, b.get("/dags/flaky/runs/f1").body, `id="mark-success"`)
	require.Equal(t, http.StatusSeeOther, b.do("POST", "/dags/flaky/runs/f1/mark", url.Values{"csrf": {csrf}, "state": {"success"}}, nil).status)
	marked, err = s.be.Run(context.Background(), "flaky", "f1")
	require.NoError(t, err)
	require.Equal(t, api.RunSuccess, marked.State)
	res = b.do("POST", "/dags/slow/trigger", url.Values{"csrf": {csrf}, "conf": {"{}"}, "run_id": {"s1"}}, nil)
	require.Equal(t, http.StatusSeeOther, res.status, res.body)
	require.Contains(t, b.get("/dags/slow/runs/s1").body, `id="mark-failed"`)
	// The running try's log is there while it runs (the worker writes it
	// as it grows).
	require.Eventually(t, func() bool {
		p := b.get("/dags/slow/runs/s1?task=nap")
		return strings.Contains(p.body, `tr class="ti selected" data-task="nap" data-state="running"`) && strings.Contains(p.body, "msg=sleeping")
	}, 60*time.Second, 100*time.Millisecond, "no live log of the running try")
	res = b.do("POST", "/dags/slow/runs/s1/mark", url.Values{"csrf": {csrf}, "state": {"failed"}}, nil)
	require.Equal(t, http.StatusSeeOther, res.status, res.body)
	run, err := s.be.Run(context.Background(), "slow", "s1")
	require.NoError(t, err)
	require.Equal(t, api.RunFailed, run.State)
	require.Equal(t, http.StatusBadRequest, b.do("POST", "/dags/flaky/runs/f1/clear", url.Values{"csrf": {csrf}, "mode": {"bogus"}}, nil).status)

	res = b.do("POST", "/dags/flaky/runs/f1/delete", url.Values{"csrf": {csrf}}, nil)
	require.Equal(t, http.StatusSeeOther, res.status, res.body)
	_, err = s.be.Run(context.Background(), "flaky", "f1")
	require.ErrorIs(t, err, api.ErrNotFound)
}

func TestAdHocTasks(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	b := s.client(t)
	trig := map[string]string{"Authorization": "Bearer " + triggerTok}
	p := b.do("GET", "/tasks", nil, trig)
	require.Equal(t, 200, p.status)
	require.Contains(t, p.body, `<option value="echo"`)
	require.Equal(t, http.StatusUnprocessableEntity, b.do("POST", "/tasks", url.Values{"type": {"bash"}, "args": {"{}"}}, trig).status)
	require.Equal(t, http.StatusUnprocessableEntity, b.do("POST", "/tasks", url.Values{"type": {"echo"}, "args": {"nope"}}, trig).status)
	res := b.do("POST", "/tasks", url.Values{"type": {"echo"}, "args": {`{"hello": "world"}`}}, trig)
	require.Equal(t, http.StatusSeeOther, res.status, res.body)
	loc := res.header.Get("Location")
	require.True(t, strings.HasPrefix(loc, "/tasks/"), loc)
	require.Eventually(t, func() bool {
		return strings.Contains(b.do("GET", loc, nil, trig).body, `data-state="success"`)
	}, 30*time.Second, 50*time.Millisecond)
	require.Contains(t, b.do("GET", loc, nil, trig).body, "world")
}

func TestAsynqmonScopes(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	b := s.client(t)
	require.Equal(t, http.StatusSeeOther, b.get("/asynqmon/").status)
	p := b.do("GET", "/asynqmon/", nil, map[string]string{"Authorization": "Bearer " + readTok})
	require.Equal(t, 200, p.status)
	require.Contains(t, p.body, "asynq")
	q := b.do("GET", "/asynqmon/api/queues", nil, map[string]string{"Authorization": "Bearer " + readTok})
	require.Equal(t, 200, q.status, q.body)
	// Read-only: asynqmon refuses changes to a read-scope user.
	del := b.do("DELETE", "/asynqmon/api/queues/default", nil, map[string]string{"Authorization": "Bearer " + readTok})
	require.Equal(t, http.StatusMethodNotAllowed, del.status, del.body)

	// A trigger user's session may change queues, from this site only.
	b.login(adminUser, adminPass)
	evil := b.do("POST", "/asynqmon/api/queues/nosuchqueue:pause", nil, map[string]string{"Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site"})
	require.Equal(t, http.StatusForbidden, evil.status)
	own := b.do("POST", "/asynqmon/api/queues/nosuchqueue:pause", nil, map[string]string{"Origin": s.url, "Sec-Fetch-Site": "same-origin"})
	require.NotEqual(t, http.StatusForbidden, own.status, own.body)
	// UI forms from another site are refused even with a valid token.
	home := b.get("/")
	r := b.do("POST", "/dags/pipeline/pause", url.Values{"csrf": {home.csrf(t)}, "paused": {"true"}}, map[string]string{"Origin": "http://evil.example"})
	require.Equal(t, http.StatusForbidden, r.status)
}
