package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/term"

	"github.com/dagworker/dagworker/internal/apiclient"
)

// runLogin exchanges a user and password (or checks a given --token) with
// the server at --api-url and saves the token in the user's config
// directory (dagworker/token, mode 0600), where the commands that go
// through the API find it.
func runLogin(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("login", stderr)
	rf := addRemoteFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return flagError(err)
	}
	if fs.NArg() > 0 {
		fmt.Fprintln(stderr, "usage: dagworker login --api-url URL [--user U [--password P] | --token T]")
		return exitError(2)
	}
	if *rf.apiURL == "" {
		return fmt.Errorf("login: --api-url (or DAGWORKER_API_URL) is required")
	}
	tok := *rf.token
	if tok == "" {
		user, pass := *rf.user, *rf.password
		var err error
		if user == "" {
			if user, err = prompt(stderr, "user: ", false); err != nil {
				return err
			}
		}
		if pass == "" {
			if pass, err = prompt(stderr, "password: ", true); err != nil {
				return err
			}
		}
		c, err := apiclient.New(apiclient.Config{URL: *rf.apiURL})
		if err != nil {
			return fmt.Errorf("--api-url: %w", err)
		}
		if tok, err = c.Login(ctx, user, pass); err != nil {
			return fmt.Errorf("login: %w", err)
		}
	}
	// Check the token before keeping it.
	c, err := apiclient.New(apiclient.Config{URL: *rf.apiURL, Token: tok})
	if err != nil {
		return fmt.Errorf("--api-url: %w", err)
	}
	if _, err := c.DAGs(ctx); err != nil {
		return fmt.Errorf("login: the token does not work: %w", err)
	}
	path, err := saveToken(tok)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "logged in to %s; token saved to %s\n", *rf.apiURL, path)
	fmt.Fprintln(stdout, "(a token from a user login lasts 24h by default, and a server restart voids it unless the server has --jwt-secret)")
	return nil
}

// saveToken writes the token file with mode 0600 in a 0700 folder.
func saveToken(tok string) (string, error) {
	path, err := tokenFile()
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", fmt.Errorf("token file: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".token-*")
	if err != nil {
		return "", fmt.Errorf("token file: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		_ = tmp.Close()
		return "", fmt.Errorf("token file: %w", err)
	}
	if _, err := io.WriteString(tmp, tok+"\n"); err != nil {
		_ = tmp.Close()
		return "", fmt.Errorf("token file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("token file: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return "", fmt.Errorf("token file: %w", err)
	}
	return path, nil
}

// prompt reads one line from the terminal on stdin (without echo when
// secret); it fails when stdin is not a terminal.
func prompt(w io.Writer, label string, secret bool) (string, error) {
	fd := int(os.Stdin.Fd())
	if !term.IsTerminal(fd) {
		return "", errors.New("login: give --user and --password (or DAGWORKER_USER and DAGWORKER_PASSWORD): stdin is not a terminal")
	}
	fmt.Fprint(w, label)
	if secret {
		b, err := term.ReadPassword(fd)
		fmt.Fprintln(w)
		return string(b), err
	}
	line, err := bufio.NewReader(os.Stdin).ReadString('\n')
	return strings.TrimSpace(line), err
}
