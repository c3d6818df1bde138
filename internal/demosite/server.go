package demosite

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"
)

// Server is a running demo site.
type Server struct {
	srv         *http.Server
	url         string
	stop        chan struct{} // closed by Close
	stopOnce    sync.Once
	serveDone   chan struct{}
	watcherDone chan struct{}
}

// Start serves the demo site with the default Config on addr (for example
// "127.0.0.1:0" for a free loopback port) until ctx ends or Close is called.
func Start(ctx context.Context, addr string) (*Server, error) {
	return StartConfig(ctx, addr, Config{})
}

// StartConfig is Start with a Config.
func StartConfig(ctx context.Context, addr string, cfg Config) (*Server, error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("demo site listen %s: %w", addr, err)
	}
	s := &Server{
		srv:         &http.Server{Handler: New(cfg), ReadHeaderTimeout: 10 * time.Second},
		url:         "http://" + ln.Addr().String(),
		stop:        make(chan struct{}),
		serveDone:   make(chan struct{}),
		watcherDone: make(chan struct{}),
	}
	go func() {
		defer close(s.serveDone)
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			_ = ln.Close()
		}
	}()
	go func() {
		defer close(s.watcherDone)
		select {
		case <-ctx.Done():
			_ = s.srv.Close()
		case <-s.stop:
		}
	}()
	return s, nil
}

// URL returns the site's base URL without a trailing slash, e.g.
// "http://127.0.0.1:34567".
func (s *Server) URL() string { return s.url }

// Close stops the server at once, ending open requests (a slow page's wait
// ends with them), and returns when its goroutines have ended.
func (s *Server) Close() error {
	var err error
	s.stopOnce.Do(func() {
		close(s.stop)
		err = s.srv.Close()
	})
	<-s.watcherDone
	<-s.serveDone
	return err
}
