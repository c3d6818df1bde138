package api

import (
	"context"
	"crypto/subtle"
	"fmt"
	"net"
	"net/http"
	"strings"

	"github.com/golang-jwt/jwt/v5"
)

// Scope is what a credential may do.
type Scope string

// Scopes. ScopeTrigger includes ScopeRead.
const (
	// ScopeRead may read DAGs, runs, task instances, logs and XComs.
	ScopeRead Scope = "read"
	// ScopeTrigger may also trigger, patch, clear and delete runs, pause DAGs
	// and submit ad-hoc tasks.
	ScopeTrigger Scope = "trigger"
)

func (s Scope) valid() bool { return s == ScopeRead || s == ScopeTrigger }

func (s Scope) allows(need Scope) bool {
	return s == ScopeTrigger || (s == ScopeRead && need == ScopeRead)
}

// User is a username and password that may log in with POST /auth/token or
// HTTP Basic.
type User struct {
	Name     string
	Password string
	Scope    Scope
}

// Token is a static API token accepted as "Authorization: Bearer <token>"
// (and as the password of HTTP Basic, which is what an Airflow HTTP
// connection with only a password sends).
type Token struct {
	Token string
	Scope Scope
}

// ParseTokens parses the DAGWORKER_API_TOKENS form: comma-separated
// "token" or "token:scope" entries (scope read or trigger, default trigger).
func ParseTokens(s string) ([]Token, error) {
	var out []Token
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		tok, scope, ok := strings.Cut(part, ":")
		sc := ScopeTrigger
		if ok {
			sc = Scope(scope)
		}
		if tok == "" || !sc.valid() {
			return nil, fmt.Errorf("api token entry %q: want token or token:read|trigger: %w", redact(part), ErrConfig)
		}
		out = append(out, Token{Token: tok, Scope: sc})
	}
	return out, nil
}

// ParseUsers parses the DAGWORKER_API_USERS form: comma-separated
// "name:password" or "name:password:scope" entries.
func ParseUsers(s string) ([]User, error) {
	var out []User
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		f := strings.Split(part, ":")
		if len(f) < 2 || len(f) > 3 || f[0] == "" || f[1] == "" {
			return nil, fmt.Errorf("api user entry for %q: want name:password[:scope]: %w", f[0], ErrConfig)
		}
		u := User{Name: f[0], Password: f[1], Scope: ScopeTrigger}
		if len(f) == 3 {
			u.Scope = Scope(f[2])
		}
		if !u.Scope.valid() {
			return nil, fmt.Errorf("api user %q: scope %q: want read or trigger: %w", u.Name, u.Scope, ErrConfig)
		}
		out = append(out, u)
	}
	return out, nil
}

func redact(s string) string {
	if len(s) <= 4 {
		return "****"
	}
	return s[:2] + "****"
}

type ctxKey struct{}

// principal is who made a request.
type principal struct {
	name  string
	scope Scope
}

// authenticate returns the principal of a request, or ok=false.
func (s *Server) authenticate(r *http.Request) (principal, bool) {
	h := r.Header.Get("Authorization")
	if scheme, cred, ok := strings.Cut(h, " "); ok {
		switch strings.ToLower(scheme) {
		case "bearer":
			cred = strings.TrimSpace(cred)
			if sc, ok := s.matchToken(cred); ok {
				return principal{name: "token", scope: sc}, true
			}
			if p, ok := s.verifyJWT(cred); ok {
				return p, true
			}
		case "basic":
			if name, pass, ok := r.BasicAuth(); ok {
				if u, ok := s.matchUser(name, pass); ok {
					return principal{name: u.Name, scope: u.Scope}, true
				}
				if sc, ok := s.matchToken(pass); ok {
					return principal{name: name, scope: sc}, true
				}
			}
		}
	}
	if h == "" && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
		// The web UI's session (a token of Login) reads, so that its pages
		// can link the API's downloads; it never changes anything here
		// (changes need the header, which a page of another site cannot set).
		if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
			if p, ok := s.verifyJWT(c.Value); ok {
				return principal{name: p.name, scope: ScopeRead}, true
			}
		}
	}
	if h == "" && s.cfg.Open && isLoopback(r.RemoteAddr) {
		return principal{name: "anonymous", scope: ScopeTrigger}, true
	}
	return principal{}, false
}

// matchToken compares tok with every static token in constant time.
func (s *Server) matchToken(tok string) (Scope, bool) {
	var found Scope
	for _, t := range s.cfg.Tokens {
		if subtle.ConstantTimeCompare([]byte(tok), []byte(t.Token)) == 1 {
			found = t.Scope
		}
	}
	return found, found != ""
}

// matchUser checks a username and password against every user in constant time.
func (s *Server) matchUser(name, pass string) (User, bool) {
	var found User
	ok := false
	for _, u := range s.cfg.Users {
		n := subtle.ConstantTimeCompare([]byte(name), []byte(u.Name))
		p := subtle.ConstantTimeCompare([]byte(pass), []byte(u.Password))
		if n&p == 1 {
			found, ok = u, true
		}
	}
	return found, ok
}

func isLoopback(remote string) bool {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// requireAuth wraps h so that it runs only for a principal with scope need.
func (s *Server) requireAuth(need Scope, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, ok := s.authenticate(r)
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer, Basic realm="dagworker"`)
			s.writeError(w, r, httpErr(http.StatusUnauthorized, "Not authenticated"))
			return
		}
		if !p.scope.allows(need) {
			s.writeError(w, r, httpErr(http.StatusForbidden, "Forbidden: this credential has scope %q, %q needed", p.scope, need))
			return
		}
		h(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, p)))
	}
}

// jwtClaims are the claims of the tokens POST /auth/token issues: the
// registered ones (sub, iss, iat, exp) and the credential's scope.
type jwtClaims struct {
	Scope Scope `json:"scope"`
	jwt.RegisteredClaims
}

const jwtIssuer = "dagworker"

// signJWT issues an HS256 JWT for the user.
func (s *Server) signJWT(u User) (string, error) {
	now := s.cfg.Clock()
	claims := jwtClaims{Scope: u.Scope, RegisteredClaims: jwt.RegisteredClaims{
		Subject: u.Name, Issuer: jwtIssuer,
		IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(s.cfg.TokenTTL)),
	}}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(s.cfg.JWTSecret)
}

// verifyJWT checks a JWT: the method must be HS256 (none, HS512 and
// everything else are refused), the signature ours, the issuer dagworker,
// an expiry present and not passed, and the scope one we issue.
func (s *Server) verifyJWT(tok string) (principal, bool) {
	if len(s.cfg.JWTSecret) == 0 {
		return principal{}, false
	}
	var c jwtClaims
	_, err := jwt.ParseWithClaims(tok, &c, func(*jwt.Token) (any, error) { return s.cfg.JWTSecret, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer(jwtIssuer), jwt.WithExpirationRequired(), jwt.WithTimeFunc(s.cfg.Clock))
	if err != nil || !c.Scope.valid() {
		return principal{}, false
	}
	return principal{name: c.Subject, scope: c.Scope}, true
}

// handleToken is POST /auth/token: JSON or form username/password → 201
// {"access_token": JWT}.
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Username string `json:"username"`
		Password string `json:"password"`
	}
	ct := r.Header.Get("Content-Type")
	if strings.HasPrefix(ct, "application/x-www-form-urlencoded") || strings.HasPrefix(ct, "multipart/form-data") {
		if err := r.ParseForm(); err != nil {
			s.writeError(w, r, httpErr(http.StatusBadRequest, "form: %v", err))
			return
		}
		body.Username, body.Password = r.PostFormValue("username"), r.PostFormValue("password")
	} else if err := s.decodeBody(r, &body); err != nil {
		s.writeError(w, r, err)
		return
	}
	if body.Username == "" || body.Password == "" {
		var errs []fieldError
		for _, f := range [...][2]string{{"username", body.Username}, {"password", body.Password}} {
			if f[1] == "" {
				errs = append(errs, fieldError{Loc: []any{"body", f[0]}, Msg: "Field required", Type: "missing"})
			}
		}
		s.writeError(w, r, &apiError{status: http.StatusUnprocessableEntity, detail: errs})
		return
	}
	u, ok := s.matchUser(body.Username, body.Password)
	if !ok {
		s.writeError(w, r, httpErr(http.StatusUnauthorized, "Invalid credentials"))
		return
	}
	tok, err := s.signJWT(u)
	if err != nil {
		s.writeError(w, r, fmt.Errorf("sign token: %w", err))
		return
	}
	writeJSON(w, http.StatusCreated, map[string]string{"access_token": tok})
}
