package deploy

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"sigs.k8s.io/yaml"
)

// manifest is one decoded Kubernetes object of deploy/k8s.
type manifest struct {
	file, kind, name string
	obj              any
}

// newObject returns the typed object a kind decodes into; kinds outside
// this list are an error, so a new manifest gets its type here.
func newObject(apiVersion, kind string) (any, error) {
	switch apiVersion + " " + kind {
	case "apps/v1 Deployment":
		return &appsv1.Deployment{}, nil
	case "apps/v1 StatefulSet":
		return &appsv1.StatefulSet{}, nil
	case "v1 Service":
		return &corev1.Service{}, nil
	case "v1 ConfigMap":
		return &corev1.ConfigMap{}, nil
	case "v1 Secret":
		return &corev1.Secret{}, nil
	case "v1 PersistentVolumeClaim":
		return &corev1.PersistentVolumeClaim{}, nil
	case "policy/v1 PodDisruptionBudget":
		return &policyv1.PodDisruptionBudget{}, nil
	case "keda.sh/v1alpha1 ScaledObject":
		return &scaledObject{}, nil
	}
	return nil, fmt.Errorf("no Go type for %s %s", apiVersion, kind)
}

// scaledObject is the part of KEDA's ScaledObject (keda.sh/v1alpha1) the
// manifests use; decoding is strict, so a field outside it is an error.
type scaledObject struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name string `json:"name"`
	} `json:"metadata"`
	Spec struct {
		ScaleTargetRef struct {
			Name string `json:"name"`
		} `json:"scaleTargetRef"`
		MinReplicaCount int `json:"minReplicaCount"`
		MaxReplicaCount int `json:"maxReplicaCount"`
		Triggers        []struct {
			Type     string            `json:"type"`
			Metadata map[string]string `json:"metadata"`
		} `json:"triggers"`
	} `json:"spec"`
}

// loadManifests decodes every document of deploy/k8s/*.yaml strictly: an
// unknown or duplicate field is an error, as `kubectl apply --validate=strict`.
func loadManifests(t *testing.T) []manifest {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("k8s", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests in k8s/: %v", err)
	}
	var out []manifest
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, doc := range regexp.MustCompile(`(?m)^---\s*$`).Split(string(data), -1) {
			if strings.TrimSpace(stripComments(doc)) == "" {
				continue
			}
			var head struct {
				APIVersion string `json:"apiVersion"`
				Kind       string `json:"kind"`
				Metadata   struct {
					Name string `json:"name"`
				} `json:"metadata"`
			}
			if err := yaml.Unmarshal([]byte(doc), &head); err != nil {
				t.Fatalf("%s document %d: %v", f, i+1, err)
			}
			obj, err := newObject(head.APIVersion, head.Kind)
			if err != nil {
				t.Fatalf("%s document %d: %v", f, i+1, err)
			}
			if err := yaml.UnmarshalStrict([]byte(doc), obj); err != nil {
				t.Errorf("%s: %s %s does not decode strictly: %v", f, head.Kind, head.Metadata.Name, err)
				continue
			}
			out = append(out, manifest{file: filepath.Base(f), kind: head.Kind, name: head.Metadata.Name, obj: obj})
		}
	}
	return out
}

func stripComments(doc string) string {
	var b strings.Builder
	for _, line := range strings.Split(doc, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "#") {
			b.WriteString(line + "\n")
		}
	}
	return b.String()
}

func TestStrictDecodeRejectsUnknownFields(t *testing.T) {
	// the check below is only worth something if a typo fails it
	bad := "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec:\n  replicas: 1\n  replica: 2\n"
	if err := yaml.UnmarshalStrict([]byte(bad), &appsv1.Deployment{}); err == nil {
		t.Fatal("a misspelt field decoded without error")
	}
}

func env(c corev1.Container, name string) (string, bool) {
	for _, e := range c.Env {
		if e.Name == name {
			return e.Value, true
		}
	}
	return "", false
}

// queuesOf parses a DAGWORKER_QUEUES value ("default:1,ml:2").
func queuesOf(v string) []string {
	var qs []string
	for _, part := range strings.Split(v, ",") {
		if name, _, _ := strings.Cut(strings.TrimSpace(part), ":"); name != "" {
			qs = append(qs, name)
		}
	}
	return qs
}

func TestKubernetesManifests(t *testing.T) {
	ms := loadManifests(t)
	byKind := map[string]map[string]manifest{}
	for _, m := range ms {
		if byKind[m.kind] == nil {
			byKind[m.kind] = map[string]manifest{}
		}
		byKind[m.kind][m.name] = m
	}
	for _, kind := range []string{"Deployment", "StatefulSet", "Service", "Secret", "PodDisruptionBudget", "ScaledObject", "PersistentVolumeClaim"} {
		if len(byKind[kind]) == 0 {
			t.Errorf("no %s in k8s/", kind)
		}
	}

	served := map[string]string{} // queue → worker Deployment
	pods := map[string]corev1.PodTemplateSpec{}
	for name, m := range byKind["Deployment"] {
		d := m.obj.(*appsv1.Deployment)
		pods[name] = d.Spec.Template
		checkSelector(t, name, d.Spec.Selector.MatchLabels, d.Spec.Template.Labels)
		for _, c := range d.Spec.Template.Spec.Containers {
			if len(c.Args) == 0 {
				t.Errorf("%s/%s: no dagworker command in args", name, c.Name)
				continue
			}
			if c.Args[0] == "worker" {
				v, ok := env(c, "DAGWORKER_QUEUES")
				if !ok {
					t.Errorf("%s: a worker without DAGWORKER_QUEUES serves only default; say so explicitly", name)
				}
				for _, q := range queuesOf(v) {
					if other, dup := served[q]; dup {
						t.Errorf("queue %s served by both %s and %s", q, other, name)
					}
					served[q] = name
				}
				drain := 30 * time.Second
				if v, ok := env(c, "DAGWORKER_SHUTDOWN_TIMEOUT"); ok {
					var err error
					if drain, err = time.ParseDuration(v); err != nil {
						t.Errorf("%s: DAGWORKER_SHUTDOWN_TIMEOUT=%q: %v", name, v, err)
					}
				}
				grace := d.Spec.Template.Spec.TerminationGracePeriodSeconds
				if grace == nil || time.Duration(*grace)*time.Second <= drain {
					t.Errorf("%s: terminationGracePeriodSeconds must exceed the drain (%s) or Kubernetes kills draining workers", name, drain)
				}
			}
			if c.ReadinessProbe == nil || c.LivenessProbe == nil {
				t.Errorf("%s/%s: readiness and liveness probes are required", name, c.Name)
			}
			checkProbePorts(t, name, c)
		}
		checkVolumes(t, name, d.Spec.Template.Spec, byKind)
	}
	for name, m := range byKind["StatefulSet"] {
		s := m.obj.(*appsv1.StatefulSet)
		checkSelector(t, name, s.Spec.Selector.MatchLabels, s.Spec.Template.Labels)
		for _, c := range s.Spec.Template.Spec.Containers {
			checkProbePorts(t, name, c)
		}
	}
	for _, q := range []string{"default"} {
		if served[q] == "" {
			t.Errorf("no worker Deployment serves queue %s", q)
		}
	}
	// every queue the coordinator routes an operator to has workers
	for name, tpl := range pods {
		for _, c := range tpl.Spec.Containers {
			v, _ := env(c, "DAGWORKER_OPERATOR_QUEUES")
			for _, part := range strings.Split(v, ",") {
				if _, q, ok := strings.Cut(part, "="); ok && served[q] == "" {
					t.Errorf("%s routes %s to queue %s, which no worker Deployment serves", name, part, q)
				}
			}
		}
	}
	for name, m := range byKind["PodDisruptionBudget"] {
		p := m.obj.(*policyv1.PodDisruptionBudget)
		matched := false
		for _, tpl := range pods {
			if labelsMatch(p.Spec.Selector.MatchLabels, tpl.Labels) {
				matched = true
			}
		}
		if !matched {
			t.Errorf("PodDisruptionBudget %s selects no Deployment's pods", name)
		}
	}
	for name, m := range byKind["Service"] {
		s := m.obj.(*corev1.Service)
		matched := false
		for _, m2 := range ms {
			var tpl *corev1.PodTemplateSpec
			switch o := m2.obj.(type) {
			case *appsv1.Deployment:
				tpl = &o.Spec.Template
			case *appsv1.StatefulSet:
				tpl = &o.Spec.Template
			}
			if tpl != nil && labelsMatch(s.Spec.Selector, tpl.Labels) {
				matched = true
				for _, p := range s.Spec.Ports {
					if p.TargetPort.StrVal != "" && !hasPort(tpl.Spec.Containers, p.TargetPort.StrVal) {
						t.Errorf("Service %s targets port %q that %s does not declare", name, p.TargetPort.StrVal, m2.name)
					}
				}
			}
		}
		if !matched {
			t.Errorf("Service %s selects no pods", name)
		}
	}
	// KEDA: each ScaledObject scales a worker Deployment on the asynq
	// pending list of a queue that Deployment serves
	pending := regexp.MustCompile(`^asynq:\{(.+)\}:pending$`)
	for name, m := range byKind["ScaledObject"] {
		so := m.obj.(*scaledObject)
		target := so.Spec.ScaleTargetRef.Name
		if _, ok := byKind["Deployment"][target]; !ok {
			t.Errorf("ScaledObject %s scales %q, which is not a Deployment here", name, target)
		}
		for _, tr := range so.Spec.Triggers {
			mm := pending.FindStringSubmatch(tr.Metadata["listName"])
			if tr.Type != "redis" || mm == nil {
				t.Errorf("ScaledObject %s: trigger %s on %q is not an asynq pending list", name, tr.Type, tr.Metadata["listName"])
				continue
			}
			if served[mm[1]] != target {
				t.Errorf("ScaledObject %s scales %s on queue %s, which %s does not serve (served by %q)", name, target, mm[1], target, served[mm[1]])
			}
		}
	}
}

func checkSelector(t *testing.T, name string, sel, labels map[string]string) {
	t.Helper()
	if len(sel) == 0 || !labelsMatch(sel, labels) {
		t.Errorf("%s: selector %v does not match its pod labels %v", name, sel, labels)
	}
}

func labelsMatch(sel, labels map[string]string) bool {
	for k, v := range sel {
		if labels[k] != v {
			return false
		}
	}
	return len(sel) > 0
}

func hasPort(cs []corev1.Container, name string) bool {
	for _, c := range cs {
		for _, p := range c.Ports {
			if p.Name == name {
				return true
			}
		}
	}
	return false
}

func checkProbePorts(t *testing.T, name string, c corev1.Container) {
	t.Helper()
	for _, p := range []*corev1.Probe{c.ReadinessProbe, c.LivenessProbe} {
		if p == nil {
			continue
		}
		var port string
		switch {
		case p.HTTPGet != nil:
			port = p.HTTPGet.Port.StrVal
		case p.TCPSocket != nil:
			port = p.TCPSocket.Port.StrVal
		}
		if port != "" && !hasPort([]corev1.Container{c}, port) {
			t.Errorf("%s/%s: probe on port %q, which the container does not declare", name, c.Name, port)
		}
	}
}

func checkVolumes(t *testing.T, name string, spec corev1.PodSpec, byKind map[string]map[string]manifest) {
	t.Helper()
	vols := map[string]bool{}
	for _, v := range spec.Volumes {
		vols[v.Name] = true
		if v.PersistentVolumeClaim != nil {
			if _, ok := byKind["PersistentVolumeClaim"][v.PersistentVolumeClaim.ClaimName]; !ok {
				t.Errorf("%s: volume %s claims %q, which is not defined here", name, v.Name, v.PersistentVolumeClaim.ClaimName)
			}
		}
	}
	for _, c := range spec.Containers {
		for _, m := range c.VolumeMounts {
			if !vols[m.Name] {
				t.Errorf("%s/%s: mounts undefined volume %s", name, c.Name, m.Name)
			}
		}
		for _, ef := range c.EnvFrom {
			if ef.SecretRef != nil {
				if _, ok := byKind["Secret"][ef.SecretRef.Name]; !ok {
					t.Errorf("%s/%s: env from secret %q, which secret.example.yaml does not define", name, c.Name, ef.SecretRef.Name)
				}
			}
		}
	}
}

// TestComposeFile loads compose.yaml with the Compose specification's own
// loader, which validates it against the specification's JSON Schema (unknown
// keys are errors), then checks the services agree with each other.
func TestComposeFile(t *testing.T) {
	p := loadCompose(t, "compose.yaml")
	want := []string{"redis", "coordinator-1", "coordinator-2", "worker-default", "worker-ml", "airflow"}
	var names []string
	for n := range p.Services {
		names = append(names, n)
	}
	for _, n := range p.DisabledServices {
		names = append(names, n.Name)
	}
	for _, w := range want {
		if !slices.Contains(names, w) {
			t.Errorf("compose.yaml has no service %s (has %v)", w, names)
		}
	}
	redis := p.Services["redis"]
	cmd := strings.Join(redis.Command, " ")
	if !strings.Contains(cmd, "--appendonly yes") || !strings.Contains(cmd, "--maxmemory-policy noeviction") {
		t.Errorf("redis runs %q: it needs AOF and noeviction", cmd)
	}
	served := map[string]bool{}
	for n, s := range p.Services {
		if len(s.Command) == 0 || s.Command[0] != "worker" {
			continue
		}
		for _, q := range queuesOf(deref(s.Environment["DAGWORKER_QUEUES"])) {
			served[q] = true
		}
		drain := 30 * time.Second
		if v := deref(s.Environment["DAGWORKER_SHUTDOWN_TIMEOUT"]); v != "" {
			var err error
			if drain, err = time.ParseDuration(v); err != nil {
				t.Errorf("%s: DAGWORKER_SHUTDOWN_TIMEOUT=%q: %v", n, v, err)
			}
		}
		if s.StopGracePeriod == nil || time.Duration(*s.StopGracePeriod) <= drain {
			t.Errorf("%s: stop_grace_period must exceed its drain (%s)", n, drain)
		}
	}
	for n, s := range p.Services {
		for _, part := range strings.Split(deref(s.Environment["DAGWORKER_OPERATOR_QUEUES"]), ",") {
			if _, q, ok := strings.Cut(part, "="); ok && !served[q] {
				t.Errorf("%s routes %s to queue %s, which no worker service serves", n, part, q)
			}
		}
		if strings.HasPrefix(n, "coordinator") || strings.HasPrefix(n, "worker") {
			if deref(s.Environment["DAGWORKER_REDIS_URL"]) == "" {
				t.Errorf("%s has no DAGWORKER_REDIS_URL: it would refuse to start (or not be durable)", n)
			}
		}
	}
}

func TestComposeLoaderRejectsUnknownKeys(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "compose.yaml")
	if err := os.WriteFile(f, []byte("services:\n  a:\n    image: x\n    comand: [y]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := loader.LoadWithContext(context.Background(), types.ConfigDetails{WorkingDir: dir,
		ConfigFiles: []types.ConfigFile{{Filename: f}}}, func(o *loader.Options) { o.SetProjectName("x", true) })
	if err == nil || !strings.Contains(err.Error(), "comand") {
		t.Fatalf("a misspelt key loaded: err = %v", err)
	}
}

func loadCompose(t *testing.T, name string) *types.Project {
	t.Helper()
	abs, err := filepath.Abs(name)
	if err != nil {
		t.Fatal(err)
	}
	p, err := loader.LoadWithContext(context.Background(), types.ConfigDetails{
		WorkingDir:  filepath.Dir(abs),
		ConfigFiles: []types.ConfigFile{{Filename: abs}},
		Environment: types.Mapping{},
	}, func(o *loader.Options) { o.SetProjectName("dagworker", true) })
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return p
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// TestDockerfile checks what the image promises: a writable state folder, a
// health check, a lake default inside it and the container marker.
func TestDockerfile(t *testing.T) {
	data, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	final := data[bytes.LastIndex(data, []byte("\nFROM ")):]
	for _, want := range []string{"WORKDIR /var/lib/dagworker", "VOLUME /var/lib/dagworker", "HEALTHCHECK ",
		"container=oci", "DAGWORKER_BLOB_URL=file:///var/lib/dagworker/lake", "USER dagworker",
		"chown -R dagworker:dagworker /var/lib/dagworker"} {
		if !bytes.Contains(final, []byte(want)) {
			t.Errorf("the final stage of the Dockerfile lacks %q", want)
		}
	}
}
