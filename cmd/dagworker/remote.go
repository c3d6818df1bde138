package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/dagworker/dagworker/internal/apiclient"
)

// remoteFlags are the flags of the commands that talk to a running server:
// over its HTTP API (--api-url) or, without one, straight to its Redis
// (--redis-url).
type remoteFlags struct {
	apiURL, token, user, password *string
}

// addRemoteFlags adds --api-url, --token, --user and --password.
func addRemoteFlags(fs *flag.FlagSet) remoteFlags {
	return remoteFlags{
		apiURL:   fs.String("api-url", "", "URL of a running dagworker's HTTP API (http://host:8080); the command goes through it"),
		token:    fs.String("token", "", "API bearer token (default: the token `dagworker login` saved)"),
		user:     fs.String("user", "", "API user (HTTP Basic, with --password)"),
		password: fs.String("password", "", "password of --user"),
	}
}

// tokenFile is where `dagworker login` keeps the token: the user's config
// directory (XDG_CONFIG_HOME or ~/.config on Linux), dagworker/token.
func tokenFile() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("token file: %w", err)
	}
	return filepath.Join(dir, "dagworker", "token"), nil
}

// savedToken reads the token file; "" when there is none.
func savedToken() (string, error) {
	p, err := tokenFile()
	if err != nil {
		// No config directory (no HOME): nothing was saved.
		return "", nil
	}
	data, err := os.ReadFile(p) //nolint:gosec // G304: the token file in the user's own config folder
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read token file: %w", err)
	}
	return strings.TrimSpace(string(data)), nil
}

// client returns the API client of --api-url with the credentials given:
// --token, else --user/--password, else the saved token (none: the server
// may be open to loopback clients).
func (f remoteFlags) client() (*apiclient.Client, error) {
	cfg := apiclient.Config{URL: *f.apiURL, Token: *f.token, User: *f.user, Password: *f.password}
	if cfg.User != "" && cfg.Password == "" {
		return nil, fmt.Errorf("--user %s needs --password (or DAGWORKER_PASSWORD)", cfg.User)
	}
	if cfg.Token == "" && cfg.User == "" {
		tok, err := savedToken()
		if err != nil {
			return nil, err
		}
		cfg.Token = tok
	}
	c, err := apiclient.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("--api-url: %w", err)
	}
	return c, nil
}

// chooseRemote decides how cmd reaches the server: the API client when
// --api-url is set; nil (go to Redis) when only --redis-url is, after a
// warning on stderr that DAGs come from the local folder; an error when
// neither is.
func chooseRemote(cmd string, rf remoteFlags, redisURL string, stderr io.Writer) (*apiclient.Client, error) {
	if *rf.apiURL != "" {
		return rf.client()
	}
	if redisURL == "" {
		return nil, fmt.Errorf("%s: give --api-url (or DAGWORKER_API_URL) of a running dagworker, or --redis-url to go to its Redis directly", cmd)
	}
	fmt.Fprintf(stderr, "warning: %s: no --api-url, going to Redis directly: DAGs come from the local folder (--dags), not the server's\n", cmd)
	return nil, nil
}
