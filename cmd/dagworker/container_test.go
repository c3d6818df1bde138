package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestContainerized(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want string
	}{
		{env: nil, want: ""},
		{env: map[string]string{"CONTAINER_NAME": "x"}, want: ""},
		{env: map[string]string{"container": "oci"}, want: "$container is oci"},
		{env: map[string]string{"KUBERNETES_SERVICE_HOST": "10.0.0.1"}, want: "KUBERNETES_SERVICE_HOST is set"},
	} {
		got := containerized(func(k string) string { return tc.env[k] })
		if got != tc.want {
			t.Errorf("containerized(%v) = %q, want %q", tc.env, got, tc.want)
		}
	}
}

// TestServeRefusesEmbeddedRedisInContainer: in a container, serve without a
// Redis URL stops before starting anything, and says how to go on.
func TestServeRefusesEmbeddedRedisInContainer(t *testing.T) {
	t.Setenv("container", "oci")
	t.Setenv("DAGWORKER_REDIS_URL", "")
	var stderr bytes.Buffer
	err := run(context.Background(), []string{"serve", "--dags", t.TempDir()}, &bytes.Buffer{}, &stderr)
	if err == nil || !strings.Contains(err.Error(), "--allow-embedded") || !strings.Contains(err.Error(), "$container is oci") {
		t.Fatalf("serve in a container: err = %v, want a refusal naming --allow-embedded", err)
	}
}
