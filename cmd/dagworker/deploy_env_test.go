package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
	appsv1 "k8s.io/api/apps/v1"
	"sigs.k8s.io/yaml"
)

// commandFlags returns the flag names `dagworker <command> -help` lists.
func commandFlags(t *testing.T, command string) map[string]bool {
	t.Helper()
	var out bytes.Buffer
	_ = run(context.Background(), []string{command, "-help"}, &out, &out)
	flags := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^\s+--?([a-z][a-z0-9-]*)`).FindAllStringSubmatch(out.String(), -1) {
		flags[m[1]] = true
	}
	if len(flags) == 0 {
		t.Fatalf("dagworker %s -help lists no flags:\n%s", command, out.String())
	}
	return flags
}

// TestDeployEnvNamesAreFlags: every DAGWORKER_* variable the deploy files
// give a dagworker container is the env twin of a flag of the command that
// container runs. parseFlags ignores a variable no flag has, so a misspelt
// or stale name would otherwise be a silent no-op in production.
func TestDeployEnvNamesAreFlags(t *testing.T) {
	root := filepath.Join("..", "..", "deploy")
	flagsOf := map[string]map[string]bool{}
	flagOf := func(command, env string) bool {
		if flagsOf[command] == nil {
			flagsOf[command] = commandFlags(t, command)
		}
		return flagsOf[command][strings.ReplaceAll(strings.ToLower(strings.TrimPrefix(env, "DAGWORKER_")), "_", "-")]
	}
	check := func(where, command string, names []string) {
		for _, n := range names {
			if strings.HasPrefix(n, "DAGWORKER_") && !flagOf(command, n) {
				t.Errorf("%s: %s is not the env twin of any flag of `dagworker %s`", where, n, command)
			}
		}
	}

	var secret struct {
		StringData map[string]string `json:"stringData"`
	}
	data, err := os.ReadFile(filepath.Join(root, "k8s", "secret.example.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(data, &secret); err != nil {
		t.Fatal(err)
	}
	// the shared secret's variables: each is a flag of one of the commands
	// that read the secret (KEDA's DAGWORKER_REDIS_ADDR is for the scaler)
	var commands []string
	files, _ := filepath.Glob(filepath.Join(root, "k8s", "*.yaml"))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, doc := range regexp.MustCompile(`(?m)^---\s*$`).Split(string(data), -1) {
			if !strings.Contains(doc, "kind: Deployment") {
				continue
			}
			var d appsv1.Deployment
			if err := yaml.Unmarshal([]byte(doc), &d); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			for _, c := range d.Spec.Template.Spec.Containers {
				var names []string
				for _, e := range c.Env {
					names = append(names, e.Name)
				}
				check(filepath.Base(f)+" "+d.Name, c.Args[0], names)
				for _, ef := range c.EnvFrom {
					if ef.SecretRef != nil && ef.SecretRef.Name == "dagworker" {
						commands = append(commands, c.Args[0])
					}
				}
			}
		}
	}

	for k := range secret.StringData {
		used := k == "DAGWORKER_REDIS_ADDR" || !strings.HasPrefix(k, "DAGWORKER_")
		for _, c := range commands {
			used = used || flagOf(c, k)
		}
		if !used {
			t.Errorf("secret.example.yaml: %s is a flag of none of %v", k, commands)
		}
	}

	abs, _ := filepath.Abs(filepath.Join(root, "compose.yaml"))
	p, err := loader.LoadWithContext(context.Background(), types.ConfigDetails{WorkingDir: filepath.Dir(abs),
		ConfigFiles: []types.ConfigFile{{Filename: abs}}, Environment: types.Mapping{}},
		func(o *loader.Options) { o.SetProjectName("dagworker", true) })
	if err != nil {
		t.Fatal(err)
	}
	for name, s := range p.Services {
		if s.Image != "dagworker:latest" {
			continue
		}
		var names []string
		for k := range s.Environment {
			names = append(names, k)
		}
		check("compose.yaml "+name, s.Command[0], names)
	}
}
