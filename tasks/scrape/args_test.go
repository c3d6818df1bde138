package scrape_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dagworker/dagworker/tasks"
	"github.com/dagworker/dagworker/tasks/scrape"
)

func TestInvalidArgs(t *testing.T) {
	t.Parallel()
	b := setup(t, scrape.Config{})
	const ok = `"urls":"http://127.0.0.1:1/"`
	tests := []struct {
		name string
		args string
		arg  string // the argument the error must name
	}{
		{"no urls", `{}`, "urls"},
		{"urls not strings", `{"urls":5}`, "urls"},
		{"urls object", `{"urls":{"a":1}}`, "urls"},
		{"ftp url", `{"urls":["ftp://example.org/"]}`, "urls"},
		{"relative url", `{"urls":"/news"}`, "urls"},
		{"user info", `{"urls":"http://user:secret@example.org/"}`, "urls"},
		{"no host", `{"urls":"http:///path"}`, "urls"},
		{"bad host", `{"urls":"http://exa mple.org/"}`, "urls"},
		{"empty url", `{"urls":[""]}`, "urls"},
		{"unknown argument", `{` + ok + `,"bogus":1}`, "bogus"},
		{"max_pages zero", `{` + ok + `,"max_pages":0}`, "max_pages"},
		{"max_pages over cap", `{` + ok + `,"max_pages":10001}`, "max_pages"},
		{"max_pages string", `{` + ok + `,"max_pages":"ten"}`, "max_pages"},
		{"max_depth negative", `{` + ok + `,"max_depth":-1}`, "max_depth"},
		{"max_depth over cap", `{` + ok + `,"max_depth":51}`, "max_depth"},
		{"follow bad regexp", `{` + ok + `,"follow":["("]}`, "follow"},
		{"follow number", `{` + ok + `,"follow":7}`, "follow"},
		{"selector bad css", `{` + ok + `,"selector":"a[[["}`, "selector"},
		{"respect_robots string", `{` + ok + `,"respect_robots":"yes"}`, "respect_robots"},
		{"delay negative", `{` + ok + `,"delay":"-1s"}`, "delay"},
		{"delay over cap", `{` + ok + `,"delay":"2m"}`, "delay"},
		{"delay garbage", `{` + ok + `,"delay":"soon"}`, "delay"},
		{"parallelism zero", `{` + ok + `,"parallelism":0}`, "parallelism"},
		{"parallelism over cap", `{` + ok + `,"parallelism":33}`, "parallelism"},
		{"user_agent newline", `{` + ok + `,"user_agent":"bot\r\nX-Evil: 1"}`, "user_agent"},
		{"user_agent non-ascii", `{` + ok + `,"user_agent":"bot-ü"}`, "user_agent"},
		{"timeout negative", `{` + ok + `,"timeout":-3}`, "timeout"},
		{"timeout over cap", `{` + ok + `,"timeout":"11m"}`, "timeout"},
		{"timeout bool", `{` + ok + `,"timeout":true}`, "timeout"},
		{"max_body_bytes small", `{` + ok + `,"max_body_bytes":10}`, "max_body_bytes"},
		{"max_body_bytes huge", `{` + ok + `,"max_body_bytes":1099511627776}`, "max_body_bytes"},
		{"max_redirects over cap", `{` + ok + `,"max_redirects":31}`, "max_redirects"},
		{"allow_private string", `{` + ok + `,"allow_private":"true"}`, "allow_private"},
		{"allowed_domains url", `{` + ok + `,"allowed_domains":["http://example.org"]}`, "allowed_domains"},
		{"allowed_domains empty", `{` + ok + `,"allowed_domains":[""]}`, "allowed_domains"},
		{"not an object", `[1,2]`, "arguments must be a JSON object, got JSON array"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, _, err := b.runRaw(t, "invalid", []byte(tc.args))
			require.ErrorIs(t, err, tasks.ErrInvalidArgs)
			require.True(t, tasks.IsPermanent(err))
			require.ErrorContains(t, err, tc.arg)
		})
	}
}

func TestArgNames(t *testing.T) {
	t.Parallel()
	require.ElementsMatch(t, []string{
		"urls", "url", "allowed_domains", "max_depth", "max_pages", "follow", "selector", "respect_robots",
		"delay", "parallelism", "user_agent", "timeout", "max_body_bytes", "max_redirects", "allow_private",
	}, scrape.ArgNames())
}
