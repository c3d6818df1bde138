package ui

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/hibiken/asynq"
	"github.com/hibiken/asynqmon"

	"github.com/dagworker/dagworker/internal/api"
)

var (
	//go:embed templates/*.html
	templateFS embed.FS
	//go:embed static
	staticFS embed.FS
)

// Cookie names.
const (
	sessionCookie = api.SessionCookie
	csrfCookie    = "dagworker_csrf"
)

// Config configures the UI. Auth, DAGs, Details, Pauses, Runs, Editor and
// Tasks are required; Clearer, Runner and Queues are optional (without them
// the one-task clear, the ad-hoc tasks page and /asynqmon are not offered).
type Config struct {
	// Auth authenticates requests with the API's credentials and issues
	// the session tokens of the login page.
	Auth    *api.Server
	DAGs    api.DAGSource
	Details api.DAGDetails
	Pauses  api.PauseStore
	Runs    api.RunStore
	Editor  api.RunEditor
	Tasks   api.TaskStore
	Clearer api.TaskClearer
	Runner  api.TaskRunner
	// TaskTypes are the ad-hoc task types offered on the ad-hoc page.
	TaskTypes []string
	// Queues is the Redis of the asynq queues shown at /asynqmon.
	Queues asynq.RedisConnOpt
	// SecureCookies marks the cookies Secure even on plain HTTP (behind a
	// TLS-terminating proxy); they are Secure on TLS connections anyway.
	SecureCookies bool
	// RunsPerPage is how many runs the DAG page's grid shows. Default 25.
	RunsPerPage int
	// RecentRuns is how many runs the DAGs page shows per DAG. Default 10.
	RecentRuns int
	// DAGsPerPage is how many DAGs the DAGs page lists at a time (each
	// reads its latest runs). Default 50.
	DAGsPerPage int
	// PollInterval is how often pages of unfinished runs refresh. Default 2s.
	PollInterval time.Duration
	// Logger receives request errors. Default: discard.
	Logger *slog.Logger
	// Clock is the time source. Default time.Now.
	Clock func() time.Time
}

// UI is the web UI's http.Handler.
type UI struct {
	cfg     Config
	log     *slog.Logger
	mux     *http.ServeMux
	pages   map[string]*template.Template
	csrfKey []byte
	// monRO and monRW serve /asynqmon for read and trigger scope.
	monRO, monRW *asynqmon.HTTPHandler
}

// Close releases asynqmon's Redis connections.
func (u *UI) Close() error {
	if u.monRO == nil {
		return nil
	}
	return errors.Join(u.monRO.Close(), u.monRW.Close())
}

// New checks cfg and returns the UI handler.
func New(cfg Config) (*UI, error) {
	if cfg.Auth == nil || cfg.DAGs == nil || cfg.Details == nil || cfg.Pauses == nil || cfg.Runs == nil || cfg.Editor == nil || cfg.Tasks == nil {
		return nil, errors.New("ui: Auth, DAGs, Details, Pauses, Runs, Editor and Tasks are required")
	}
	if cfg.RunsPerPage <= 0 {
		cfg.RunsPerPage = 25
	}
	if cfg.RecentRuns <= 0 {
		cfg.RecentRuns = 10
	}
	if cfg.DAGsPerPage <= 0 {
		cfg.DAGsPerPage = 50
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = 2 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	u := &UI{cfg: cfg, log: cfg.Logger, mux: http.NewServeMux(), csrfKey: cfg.Auth.DeriveKey("ui csrf")}
	var err error
	if u.pages, err = parsePages(); err != nil {
		return nil, err
	}
	if cfg.Queues != nil {
		u.monRO = asynqmon.New(asynqmon.Options{RootPath: "/asynqmon", RedisConnOpt: cfg.Queues, ReadOnly: true})
		u.monRW = asynqmon.New(asynqmon.Options{RootPath: "/asynqmon", RedisConnOpt: cfg.Queues})
	}
	u.routes()
	return u, nil
}

func (u *UI) routes() {
	static, _ := fs.Sub(staticFS, "static")
	fileServer := http.StripPrefix("/static/", http.FileServer(http.FS(static)))
	u.mux.Handle("GET /static/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		fileServer.ServeHTTP(w, r)
	}))
	u.mux.HandleFunc("GET /login", u.handleLoginPage)
	u.mux.HandleFunc("POST /login", u.handleLogin)
	u.mux.HandleFunc("POST /logout", u.handleLogout)

	read := func(pattern string, h pageHandler) { u.mux.HandleFunc(pattern, u.page(api.ScopeRead, h)) }
	write := func(pattern string, h pageHandler) { u.mux.HandleFunc(pattern, u.page(api.ScopeTrigger, h)) }
	read("GET /{$}", u.handleDAGs)
	read("GET /dags/{dag_id}", u.handleDAG)
	read("GET /dags/{dag_id}/grid", u.handleGrid)
	write("POST /dags/{dag_id}/pause", u.handlePause)
	write("POST /dags/{dag_id}/trigger", u.handleTrigger)
	read("GET /dags/{dag_id}/runs/{run_id}", u.handleRun)
	read("GET /dags/{dag_id}/runs/{run_id}/tasks", u.handleRunTasks)
	write("POST /dags/{dag_id}/runs/{run_id}/clear", u.handleClear)
	write("POST /dags/{dag_id}/runs/{run_id}/mark", u.handleMark)
	write("POST /dags/{dag_id}/runs/{run_id}/delete", u.handleDelete)
	read("GET /tasks", u.handleTasksPage)
	read("GET /tasks/{id}", u.handleTaskPage)
	write("POST /tasks", u.handleSubmitTask)
	if u.monRO != nil {
		u.mux.HandleFunc("/asynqmon/", u.handleAsynqmon)
		u.mux.HandleFunc("GET /asynqmon", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/asynqmon/", http.StatusFound)
		})
	}
}

// ServeHTTP serves the UI with its security headers.
func (u *UI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	if !strings.HasPrefix(r.URL.Path, "/asynqmon") {
		// asynqmon's own page loads its scripts and styles its own way.
		h.Set("Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'")
	}
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	u.mux.ServeHTTP(w, r)
}

// request is what a page handler gets: the request, who made it and the
// CSRF token its forms carry.
type request struct {
	*http.Request
	who api.Principal
	// csrf is the token of the page's forms ("" for bearer requests).
	csrf string
}

// pageHandler serves one authenticated page.
type pageHandler func(w http.ResponseWriter, r *request) error

// page wraps h: the request must be authenticated with scope need (else a
// redirect to the login page for a page, 401 or 403), and a form post from
// a browser session must carry the CSRF token.
func (u *UI) page(need api.Scope, h pageHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		who, viaHeader, ok := u.authenticate(r)
		if !ok {
			if r.Method == http.MethodGet {
				target := "/login?next=" + url.QueryEscape(r.URL.RequestURI())
				if r.Header.Get("HX-Request") != "" {
					w.Header().Set("HX-Redirect", target)
					w.WriteHeader(http.StatusUnauthorized)
					return
				}
				http.Redirect(w, r, target, http.StatusSeeOther)
				return
			}
			u.fail(w, r, http.StatusUnauthorized, "not logged in")
			return
		}
		if !who.Can(need) {
			u.fail(w, r, http.StatusForbidden, fmt.Sprintf("%s has scope %q; this needs %q", who.Name, who.Scope, need))
			return
		}
		req := &request{Request: r, who: who}
		if !viaHeader {
			req.csrf = u.csrfToken(w, r)
			if r.Method != http.MethodGet && (!sameOrigin(r) || !u.checkCSRF(r)) {
				u.fail(w, r, http.StatusForbidden, "the form's CSRF token is missing or wrong: reload the page and try again")
				return
			}
		}
		if err := h(w, req); err != nil {
			u.fail(w, r, statusOf(err), err.Error())
		}
	}
}

// authenticate returns the principal of a request and whether it came with
// an Authorization header (scripts and tests; no CSRF check then).
func (u *UI) authenticate(r *http.Request) (api.Principal, bool, bool) {
	if r.Header.Get("Authorization") != "" {
		p, ok := u.cfg.Auth.Authenticate(r)
		return p, true, ok
	}
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
		if p, ok := u.cfg.Auth.VerifyToken(c.Value); ok {
			return p, false, true
		}
	}
	// No credentials: the API's --api-open rule (loopback only) decides.
	p, ok := u.cfg.Auth.Authenticate(r)
	return p, false, ok
}

// csrfToken returns the token forms must carry: an HMAC of the CSRF
// cookie's random value (set here when missing), so a page of another
// site, which cannot read the cookie, cannot make one.
func (u *UI) csrfToken(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(csrfCookie); err == nil && len(c.Value) >= 16 {
		return u.sign(c.Value)
	}
	b := make([]byte, 18)
	_, _ = rand.Read(b)
	v := base64.RawURLEncoding.EncodeToString(b)
	http.SetCookie(w, u.cookie(r, csrfCookie, v, 0))
	// The cookie takes effect on the next request; this one's forms use it.
	r.AddCookie(&http.Cookie{Name: csrfCookie, Value: v}) //nolint:gosec // G124: a cookie of the request being served, never sent
	return u.sign(v)
}

func (u *UI) sign(v string) string {
	m := hmac.New(sha256.New, u.csrfKey)
	m.Write([]byte(v))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// checkCSRF compares the posted csrf field (or the X-CSRF-Token header of
// htmx requests) with the cookie's signature.
func (u *UI) checkCSRF(r *http.Request) bool {
	c, err := r.Cookie(csrfCookie)
	if err != nil || len(c.Value) < 16 {
		return false
	}
	got := r.Header.Get("X-CSRF-Token")
	if got == "" {
		got = r.PostFormValue("csrf")
	}
	return got != "" && hmac.Equal([]byte(got), []byte(u.sign(c.Value)))
}

// cookie is an HttpOnly, SameSite=Strict cookie, Secure on TLS.
func (u *UI) cookie(r *http.Request, name, value string, maxAge time.Duration) *http.Cookie {
	// G124: Secure is set on TLS (or when configured behind a TLS proxy); on
	// plain HTTP (loopback) a Secure cookie would never come back
	c := &http.Cookie{Name: name, Value: value, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode, //nolint:gosec // see above
		Secure: r.TLS != nil || u.cfg.SecureCookies}
	if maxAge > 0 {
		c.MaxAge = int(maxAge / time.Second)
	} else if maxAge < 0 {
		c.MaxAge = -1
	}
	return c
}

// statusError is an error with the HTTP status to answer.
type statusError struct {
	status int
	msg    string
}

func (e *statusError) Error() string { return e.msg }

func errStatus(status int, format string, a ...any) error {
	return &statusError{status: status, msg: fmt.Sprintf(format, a...)}
}

func statusOf(err error) int {
	var se *statusError
	switch {
	case errors.As(err, &se):
		return se.status
	case errors.Is(err, api.ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, api.ErrInvalid):
		return http.StatusBadRequest
	case errors.Is(err, api.ErrRunExists):
		return http.StatusConflict
	}
	return http.StatusInternalServerError
}

// fail answers an error page (or the bare message to htmx).
func (u *UI) fail(w http.ResponseWriter, r *http.Request, status int, msg string) {
	if status >= 500 {
		u.log.Error("ui request failed", slog.String("path", r.URL.Path), slog.String("error", msg))
		msg = "internal error: " + msg
	}
	if r.Header.Get("HX-Request") != "" {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(msg))
		return
	}
	u.render(w, r, status, "error", map[string]any{"Status": status, "StatusText": http.StatusText(status), "Message": msg})
}

// handleAsynqmon serves asynqmon, read-only unless the user may trigger.
func (u *UI) handleAsynqmon(w http.ResponseWriter, r *http.Request) {
	who, _, ok := u.authenticate(r)
	if !ok {
		if r.Method == http.MethodGet && !strings.HasPrefix(r.URL.Path, "/asynqmon/api/") {
			http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		u.fail(w, r, http.StatusUnauthorized, "not logged in")
		return
	}
	if who.Can(api.ScopeTrigger) {
		// asynqmon's own requests carry no CSRF token: a change must at
		// least come from this site (the session cookie is SameSite=Strict,
		// and --api-open has no cookie at all).
		if r.Method != http.MethodGet && r.Method != http.MethodHead && r.Header.Get("Authorization") == "" && !sameOrigin(r) {
			u.fail(w, r, http.StatusForbidden, "cross-site request refused")
			return
		}
		u.monRW.ServeHTTP(w, r)
		return
	}
	u.monRO.ServeHTTP(w, r)
}

// sameOrigin reports whether a browser's request came from a page of this
// site: the Sec-Fetch-Site and Origin headers browsers send, when present,
// must say so.
func sameOrigin(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "", "same-origin", "none":
	default:
		return false
	}
	o := r.Header.Get("Origin")
	if o == "" {
		return true
	}
	ou, err := url.Parse(o)
	return err == nil && ou.Host == r.Host
}

// handleLoginPage shows the login form.
func (u *UI) handleLoginPage(w http.ResponseWriter, r *http.Request) {
	u.render(w, r, http.StatusOK, "login", map[string]any{"CSRF": u.csrfToken(w, r), "Next": safeNext(r.URL.Query().Get("next"))})
}

// handleLogin exchanges a user's password for the session cookie.
func (u *UI) handleLogin(w http.ResponseWriter, r *http.Request) {
	next := safeNext(r.PostFormValue("next"))
	if !u.checkCSRF(r) {
		u.fail(w, r, http.StatusForbidden, "the form's CSRF token is missing or wrong: reload the page and try again")
		return
	}
	tok, who, ttl, ok := u.cfg.Auth.Login(r.PostFormValue("username"), r.PostFormValue("password"))
	if !ok {
		u.log.Warn("ui login failed", slog.String("user", r.PostFormValue("username")))
		u.render(w, r, http.StatusUnauthorized, "login", map[string]any{"CSRF": u.csrfToken(w, r), "Next": next,
			"Error": "Wrong user name or password."})
		return
	}
	u.log.Info("ui login", slog.String("user", who.Name), slog.String("scope", string(who.Scope)))
	http.SetCookie(w, u.cookie(r, sessionCookie, tok, ttl))
	http.Redirect(w, r, next, http.StatusSeeOther) //nolint:gosec // G710: safeNext keeps next a path on this host
}

// handleLogout drops the session cookie.
func (u *UI) handleLogout(w http.ResponseWriter, r *http.Request) {
	if !u.checkCSRF(r) {
		u.fail(w, r, http.StatusForbidden, "the form's CSRF token is missing or wrong")
		return
	}
	http.SetCookie(w, u.cookie(r, sessionCookie, "", -1))
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// safeNext keeps a post-login target on this site.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	return next
}
