package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"github.com/dagworker/dagworker/internal/demosite"
	"github.com/dagworker/dagworker/internal/runstore"
	"github.com/dagworker/dagworker/tasks"
)

// demoDAG is the shipped DAG the demo runs.
const demoDAG = "nightly_sites"

// runDemo is the main job on embedded defaults (`make run`): it starts the
// multilingual demo site on a loopback port, runs the nightly DAG against it
// (scrape → classify with the embedded demo model → PDF report) on the
// embedded Redis, and prints where the report went. With --serve-site it
// only serves the demo site (for a notebook or a `dagworker serve` to scrape)
// until interrupted or --timeout.
func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("demo", stderr)
	dir := dagsFlag(fs)
	redisURL := redisURLFlag(fs, redisEmbedded)
	blobURL := blobURLFlag(fs, tasks.DefaultLakeURL, "")
	pages := fs.Int("pages", 80, "pages to scrape from the demo site")
	timeout := fs.Duration("timeout", 10*time.Minute, "give up after this long")
	serveSite := fs.Bool("serve-site", false, "only serve the demo site on --site-addr and print its URL, until interrupted or --timeout")
	siteAddr := fs.String("site-addr", "127.0.0.1:0", "address of the demo site (port 0: a free port)")
	tf := addTaskFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return flagError(err)
	}
	if *serveSite {
		return serveDemoSite(ctx, *siteAddr, *timeout, stdout)
	}
	log := newLogger(fs, stderr, slog.LevelWarn)
	src, err := loadDAGs(*dir)
	if err != nil {
		return err
	}
	d, ok := src.set.DAGs[demoDAG]
	if !ok {
		return fmt.Errorf("demo: no valid DAG %q in the DAG folder: %w", demoDAG, src.set.Err())
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	site, err := demosite.Start(ctx, *siteAddr)
	if err != nil {
		return err
	}
	defer site.Close()
	fmt.Fprintf(stdout, "demo site: %s (multilingual pages on loopback)\n", site.URL())

	env, err := openLocalRun(ctx, *redisURL, *blobURL, tf, log)
	if err != nil {
		return err
	}
	defer env.Close()
	conf, err := json.Marshal(map[string]any{
		"sites":         []string{site.URL() + "/"},
		"allow_private": true, // the demo site is on loopback
		"max_pages":     *pages,
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "running DAG %s (scrape → classify → report)...\n", demoDAG)
	ld := time.Now().UTC().Truncate(time.Second)
	res, err := env.run(ctx, d, ld, conf)
	if err != nil {
		return err
	}
	printRun(stdout, res.run, res.tis)
	if res.run.State != runstore.RunSuccess {
		return exitError(1)
	}
	report, err := outputURI(res.xcoms["report"])
	if err != nil {
		return fmt.Errorf("demo: report task: %w", err)
	}
	fmt.Fprintf(stdout, "report: %s\n", report)
	if p := localPath(report); p != "" {
		fmt.Fprintf(stdout, "report file: %s\n", p)
	}
	return nil
}

// serveDemoSite serves the demo site alone until ctx ends or timeout passes;
// the first line of stdout is "demo site: URL" for scripts to read.
func serveDemoSite(ctx context.Context, addr string, timeout time.Duration, stdout io.Writer) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	site, err := demosite.Start(ctx, addr)
	if err != nil {
		return err
	}
	defer site.Close()
	fmt.Fprintf(stdout, "demo site: %s\n", site.URL())
	if f, ok := stdout.(interface{ Sync() error }); ok {
		_ = f.Sync()
	}
	<-ctx.Done()
	return nil
}

// outputURI reads output.uri from a task's XCom return value.
func outputURI(xcom json.RawMessage) (string, error) {
	var v struct {
		Output tasks.Output `json:"output"`
	}
	if err := json.Unmarshal(xcom, &v); err != nil {
		return "", fmt.Errorf("return value: %w", err)
	}
	if v.Output.URI == "" {
		return "", fmt.Errorf("return value has no output.uri")
	}
	return v.Output.URI, nil
}

// localPath turns a file:// URI into a path ("" for other schemes).
func localPath(uri string) string {
	u, err := url.Parse(uri)
	if err != nil || u.Scheme != "file" {
		return ""
	}
	p := u.Host + u.Path // file://./data/x → "." + "/data/x"
	if u.Host == "" {
		p = u.Path
	}
	return filepath.FromSlash(strings.TrimPrefix(p, "/./"))
}
