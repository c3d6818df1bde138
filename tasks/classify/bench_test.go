package classify

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
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

// BenchmarkClassify measures sentences/s per fixture model and batch size,
// and the process RSS with the model loaded. Each iteration classifies 64
// sentences.
func BenchmarkClassify(b *testing.B) {
	const perIter = 64
	models := []struct {
		name, dir, pipeline string
		labels              []string
	}{
		{DemoModel, filepath.Join("models", DemoModel), PipelineTextClassification, nil},
		{"tiny-nli", nliModel, PipelineZeroShot, []string{"politics", "sport", "economy", "technology"}},
		{"tiny-embedding", embeddingModel, PipelineEmbedding, []string{"sport", "economy"}},
	}
	for _, m := range models {
		for _, batch := range []int{1, 8, 32} {
			b.Run(fmt.Sprintf("%s/batch=%d", m.name, batch), func(b *testing.B) {
				h, err := New(Config{CacheDir: b.TempDir()})
				if err != nil {
					b.Fatal(err)
				}
				defer h.Close()
				l, release, err := h.pool.acquire(m.dir, m.pipeline)
				if err != nil {
					b.Fatal(err)
				}
				defer release()
				c := &classifier{l: l, model: m.name, args: Args{Pipeline: m.pipeline, Labels: m.labels,
					HypothesisTemplate: DefaultHypothesisTemplate, BatchSize: batch, MaxLength: DefaultMaxLength, TopK: 3}}
				if err := c.prepare(); err != nil {
					b.Fatal(err)
				}
				texts := make([]string, batch)
				b.ResetTimer()
				start := time.Now()
				for range b.N {
					for done := 0; done < perIter; done += batch {
						for i := range texts {
							texts[i] = benchSentences[(done+i)%len(benchSentences)]
						}
						if _, err := c.predict(texts); err != nil {
							b.Fatal(err)
						}
					}
				}
				elapsed := time.Since(start)
				b.ReportMetric(float64(b.N*perIter)/elapsed.Seconds(), "sentences/s")
				b.ReportMetric(float64(rssBytes())/(1<<20), "rss_MiB")
			})
		}
	}
}

// rssBytes is the resident set size of this process (Linux; 0 elsewhere).
func rssBytes() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}
