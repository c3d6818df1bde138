package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"text/tabwriter"

	"github.com/dagworker/dagworker/internal/apiclient"
	"github.com/dagworker/dagworker/internal/apiengine"
)

func runDagsPause(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return setPaused(ctx, "pause", true, args, stdout, stderr)
}

func runDagsUnpause(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return setPaused(ctx, "unpause", false, args, stdout, stderr)
}

// setPaused pauses or unpauses a DAG through the API (which knows the
// server's DAGs) or, with only --redis-url, in Redis.
func setPaused(ctx context.Context, verb string, paused bool, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("dags "+verb+" <dag_id>", stderr)
	redisURL := redisURLFlag(fs, "without --api-url, the Redis of a running dagworker")
	prefix := keyPrefixFlag(fs)
	rf := addRemoteFlags(fs)
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return flagError(err)
	}
	if len(pos) != 1 {
		fmt.Fprintf(stderr, "usage: dagworker dags %s <dag_id> [--api-url URL | --redis-url URL]\n", verb)
		return exitError(2)
	}
	client, err := chooseRemote("dags "+verb, rf, *redisURL, stderr)
	if err != nil {
		return err
	}
	if client != nil {
		d, err := client.SetPaused(ctx, pos[0], paused)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "dag %s: paused %t\n", d.DagID, d.IsPaused)
		return nil
	}
	c, err := connect(*redisURL, *prefix, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	defer c.Close()
	be := &apiengine.EngineBackend{Engine: c.eng}
	if err := be.SetPaused(ctx, pos[0], paused); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "dag %s: paused %t\n", pos[0], paused)
	return nil
}

// listDAGsRemote prints the DAGs the server loaded.
func listDAGsRemote(ctx context.Context, c *apiclient.Client, w io.Writer) error {
	ds, err := c.DAGs(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "DAG_ID\tPAUSED\tSCHEDULE\tNEXT RUN (logical date)\tTAGS\tFILE")
	for _, d := range ds {
		tags := make([]string, len(d.Tags))
		for i, t := range d.Tags {
			tags[i] = t.Name
		}
		sched := "manual"
		if d.TimetableSummary != nil && *d.TimetableSummary != "" {
			sched = *d.TimetableSummary
		}
		fmt.Fprintf(tw, "%s\t%t\t%s\t%s\t%s\t%s\n", d.DagID, d.IsPaused, sched, fmtPtrTime(d.NextDagrunLogicalDate),
			orDash(strings.Join(tags, ",")), orDash(d.Fileloc))
	}
	return tw.Flush()
}
