package classify

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// benchSentences is a mixed multilingual workload of ~12-word sentences.
var benchSentences = []string{
	"The parcel arrived quickly and the support team was wonderful to deal with.",
	"Terrible service, the device was broken and the refund was very slow.",
	"Das Essen war hervorragend und der Service im Hotel war sehr gut.",
	"Très déçu, le produit est arrivé cassé et le vendeur ne répond pas.",
	"Świetny hotel w centrum miasta, polecam wszystkim, jestem bardzo zadowolony.",
	"La comida fue excelente y el personal fantástico durante toda la semana.",
	"Ужасный сервис, очень плохо и медленно, я больше не вернусь туда.",
	"このホテルはとても良いです。スタッフも親切で楽しかった。",
}

// benchModel is a model the benchmark runs.
type benchModel struct {
	name, dir, pipeline string
	labels              []string
}

// BenchmarkClassify measures sentences/s per model, backend and batch size
// (tokenization, the model and pooling, as a task runs them), and the
// process's peak RSS. Each iteration classifies 64 sentences. With
// DAGWORKER_TEST_MINILM set it also runs the real all-MiniLM-L6-v2.
func BenchmarkClassify(b *testing.B) {
	const perIter = 64
	models := []benchModel{
		{DemoModel, filepath.Join("models", DemoModel), PipelineTextClassification, nil},
		{"tiny-nli", nliModel, PipelineZeroShot, []string{"politics", "sport", "economy", "technology"}},
		{"tiny-embedding", embeddingModel, PipelineEmbedding, []string{"sport", "economy"}},
	}
	if dir := os.Getenv("DAGWORKER_TEST_MINILM"); dir != "" {
		models = append(models, benchModel{"minilm", dir, PipelineEmbedding, nil})
	}
	for _, backend := range benchBackends() {
		h, err := New(Config{CacheDir: b.TempDir(), ModelRoots: testModelRoots(b), Backend: backend})
		if err != nil {
			b.Fatal(err)
		}
		for _, m := range models {
			for _, batch := range []int{1, 8, 32} {
				b.Run(fmt.Sprintf("%s/%s/batch=%d", backend, m.name, batch), func(b *testing.B) {
					l, release, err := h.pool.acquire(m.dir)
					if err != nil {
						b.Fatal(err)
					}
					defer release()
					a := Args{Pipeline: m.pipeline, Labels: m.labels, HypothesisTemplate: DefaultHypothesisTemplate,
						BatchSize: batch, MaxLength: DefaultMaxLength, TopK: 3}
					c, err := newClassifier(l, h.eng, a, m.name)
					if err != nil {
						b.Fatal(err)
					}
					window := make([]*item, perIter)
					b.ResetTimer()
					start := time.Now()
					for range b.N {
						for i := range window {
							window[i] = &item{rec: record{text: benchSentences[i%len(benchSentences)]}}
						}
						c.process(window)
						for _, it := range window {
							if it.err != nil {
								b.Fatal(it.err)
							}
						}
					}
					elapsed := time.Since(start)
					b.ReportMetric(float64(b.N*perIter)/elapsed.Seconds(), "sentences/s")
					b.ReportMetric(float64(peakRSS())/(1<<20), "peak_rss_MiB")
				})
			}
		}
		_ = h.Close()
	}
}

// benchBackends are the backends this binary has.
func benchBackends() []string {
	if ortCompiled {
		return []string{BackendGo, BackendORT}
	}
	return []string{BackendGo}
}

// peakRSS is the peak resident set size of this process (Linux; 0 elsewhere).
func peakRSS() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// BenchmarkClassifyPython runs the Python reference (tokenizers +
// onnxruntime + sentence-transformers pooling, scripts/pyref/bench_ref.py)
// on the same sentences, threads and batch sizes as BenchmarkClassify, so
// `make bench` prints both side by side. It needs DAGWORKER_TEST_MINILM
// and DAGWORKER_PYREF_PYTHON.
func BenchmarkClassifyPython(b *testing.B) {
	model, py := os.Getenv("DAGWORKER_TEST_MINILM"), os.Getenv("DAGWORKER_PYREF_PYTHON")
	if model == "" || py == "" {
		b.Skip("needs DAGWORKER_TEST_MINILM and DAGWORKER_PYREF_PYTHON")
	}
	in := filepath.Join(b.TempDir(), "bench.jsonl")
	var sb strings.Builder
	for _, s := range benchSentences {
		line, _ := json.Marshal(map[string]string{"text": s})
		sb.Write(line)
		sb.WriteByte('\n')
	}
	if err := os.WriteFile(in, []byte(sb.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	for _, batch := range []int{1, 8, 32} {
		b.Run(fmt.Sprintf("python/minilm/batch=%d", batch), func(b *testing.B) {
			out, err := exec.Command(py, filepath.Join("..", "..", "scripts", "pyref", "bench_ref.py"), "--model", model,
				"--input", in, "--batch-sizes", strconv.Itoa(batch), "--threads", strconv.Itoa(runtime.NumCPU()),
				"--max-length", strconv.Itoa(DefaultMaxLength), "--seconds", "5").Output()
			if err != nil {
				b.Fatalf("bench_ref.py: %v", err)
			}
			var res struct {
				PerS float64 `json:"sentences_per_s"`
				RSS  float64 `json:"peak_rss_mib"`
			}
			if err := json.Unmarshal([]byte(strings.TrimSpace(string(out))), &res); err != nil {
				b.Fatalf("bench_ref.py printed %q: %v", out, err)
			}
			b.ReportMetric(res.PerS, "sentences/s")
			b.ReportMetric(res.RSS, "peak_rss_MiB")
		})
	}
}

// BenchmarkFirstBatch is the time from a new Handler to the first batch
// of 8 sentences classified on MiniLM (DAGWORKER_TEST_MINILM): loading,
// the Go backend's compilation of the first shapes, and the run.
func BenchmarkFirstBatch(b *testing.B) {
	dir := os.Getenv("DAGWORKER_TEST_MINILM")
	if dir == "" {
		b.Skip("needs DAGWORKER_TEST_MINILM")
	}
	for _, backend := range benchBackends() {
		b.Run(backend+"/minilm", func(b *testing.B) {
			for range b.N {
				start := time.Now()
				h, err := New(Config{CacheDir: b.TempDir(), ModelRoots: testModelRoots(b), Backend: backend})
				if err != nil {
					b.Fatal(err)
				}
				l, release, err := h.pool.acquire(dir)
				if err != nil {
					b.Fatal(err)
				}
				c, err := newClassifier(l, h.eng, Args{Pipeline: PipelineEmbedding, BatchSize: 8, MaxLength: DefaultMaxLength, TopK: 3}, "minilm")
				if err != nil {
					b.Fatal(err)
				}
				window := make([]*item, len(benchSentences))
				for i, s := range benchSentences {
					window[i] = &item{rec: record{text: s}}
				}
				c.process(window)
				b.ReportMetric(time.Since(start).Seconds(), "first_batch_s")
				release()
				_ = h.Close()
			}
		})
	}
}
