package api

import (
	"crypto/hmac"
	"crypto/sha256"
	"net/http"
	"time"
)

// SessionCookie is the web UI's session cookie: it holds a token of Login.
// The API takes it on GET and HEAD requests, with read scope.
const SessionCookie = "dagworker_session"

// Principal is who made a request and what they may do. The web UI
// authenticates with the API's credentials through it.
type Principal struct {
	Name  string
	Scope Scope
}

// Can reports whether the principal has scope need.
func (p Principal) Can(need Scope) bool { return p.Scope.allows(need) }

// Authenticate returns the principal of a request's Authorization header
// (a static token, a token of POST /auth/token, HTTP Basic), or the
// anonymous trigger principal of a loopback request without one when the
// API is open.
func (s *Server) Authenticate(r *http.Request) (Principal, bool) {
	p, ok := s.authenticate(r)
	return Principal{Name: p.name, Scope: p.scope}, ok
}

// Login checks a user's password and returns a token for them (the JWT
// POST /auth/token issues) and its lifetime.
func (s *Server) Login(name, password string) (string, Principal, time.Duration, bool) {
	u, ok := s.matchUser(name, password)
	if !ok {
		return "", Principal{}, 0, false
	}
	tok, err := s.signJWT(u)
	if err != nil {
		return "", Principal{}, 0, false
	}
	return tok, Principal{Name: u.Name, Scope: u.Scope}, s.cfg.TokenTTL, true
}

// VerifyToken checks a bearer token: a static one or one Login issued.
func (s *Server) VerifyToken(tok string) (Principal, bool) {
	if sc, ok := s.matchToken(tok); ok {
		return Principal{Name: "token", Scope: sc}, true
	}
	p, ok := s.verifyJWT(tok)
	return Principal{Name: p.name, Scope: p.scope}, ok
}

// DeriveKey returns a key for purpose derived from the server's JWT secret
// (the UI signs its CSRF tokens with one).
func (s *Server) DeriveKey(purpose string) []byte {
	m := hmac.New(sha256.New, s.cfg.JWTSecret)
	m.Write([]byte("dagworker key: " + purpose))
	return m.Sum(nil)
}
