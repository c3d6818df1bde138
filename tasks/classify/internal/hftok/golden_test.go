package hftok

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dagworker/dagworker/tasks/classify/internal/hftok/hftoktest"
)

type (
	corpusEntry = hftoktest.Entry
	golden      = hftoktest.Golden
)

const (
	envPython        = "DAGWORKER_PYREF_PYTHON"
	envRequirePyref  = "DAGWORKER_TEST_REQUIRE_PYREF"
	envTokenizers    = "DAGWORKER_TEST_TOKENIZERS"
	refScript        = "../../../../scripts/pyref/tokenize_ref.py"
	wantTokenizersPy = "0.23.3"
)

func loadCorpus(t testing.TB) []corpusEntry {
	t.Helper()
	out, err := hftoktest.ReadCorpus(filepath.Join("testdata", "corpus.jsonl"))
	require.NoError(t, err)
	return out
}

func fixtureFiles(t testing.TB) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "tokenizers", "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, files, "no tokenizer fixtures in testdata/tokenizers")
	return files
}

func readGolden(t testing.TB, path string) golden {
	t.Helper()
	g, err := hftoktest.ReadGolden(path)
	require.NoError(t, err)
	require.Equal(t, wantTokenizersPy, g.TokenizersVersion, "golden %s", path)
	return g
}

// firstDiff returns the first index where a and b differ, or -1.
func firstDiff(a, b []uint32) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	if len(a) != len(b) {
		return min(len(a), len(b))
	}
	return -1
}

func short(s string) string {
	if r := []rune(s); len(r) > 80 {
		return string(r[:80]) + "…"
	}
	return s
}

// compareGolden checks every id of tokenizer file tokPath against g and
// returns the number of matching and total (text, setting) cases.
func compareGolden(t *testing.T, tokPath string, g golden, corpus []corpusEntry) (match, total int) {
	t.Helper()
	data, err := os.ReadFile(tokPath)
	require.NoError(t, err)
	tk, err := Load(data)
	require.NoError(t, err, "load %s", tokPath)
	byID := make(map[string]corpusEntry, len(corpus))
	for _, e := range corpus {
		byID[e.ID] = e
	}
	require.Len(t, g.Cases, len(corpus), "golden and corpus disagree for %s", tokPath)
	check := func(what, text string, want, got []uint32) {
		total++
		if d := firstDiff(want, got); d >= 0 {
			t.Errorf("%s %s: %q: first difference at %d: want %v got %v (lens %d/%d)", filepath.Base(tokPath), what,
				short(text), d, want[d:min(d+5, len(want))], got[d:min(d+5, len(got))], len(want), len(got))
			return
		}
		match++
	}
	for _, c := range g.Cases {
		e, ok := byID[c.ID]
		require.True(t, ok, "golden case %q is not in the corpus", c.ID)
		raw, err := tk.Tokenize(e.Text)
		require.NoError(t, err)
		check(c.ID+" raw", e.Text, c.Raw, raw)
		if e.Pair != nil {
			rawB, err := tk.Tokenize(*e.Pair)
			require.NoError(t, err)
			check(c.ID+" raw_pair", *e.Pair, c.RawPair, rawB)
		}
		for _, enc := range c.Encodings {
			got, err := tk.Encode(e.Text, e.Pair, enc.MaxLen)
			require.NoError(t, err)
			what := fmt.Sprintf("%s max_len=%d", c.ID, enc.MaxLen)
			check(what+" ids", e.Text, enc.IDs, got.IDs)
			check(what+" type_ids", e.Text, enc.TypeIDs, got.TypeIDs)
			require.Len(t, got.AttentionMask, len(got.IDs))
			require.NotContains(t, got.AttentionMask, uint32(0))
			// The Rust path: raw ids through the Processor alone.
			var b []uint32
			if e.Pair != nil {
				b = c.RawPair
				if b == nil {
					b = []uint32{}
				}
			}
			viaProc := tk.Processor().Process(c.Raw, b, enc.MaxLen)
			check(what+" processor", e.Text, enc.IDs, viaProc.IDs)
		}
	}
	return match, total
}

func TestGoldens(t *testing.T) {
	t.Parallel()
	corpus := loadCorpus(t)
	require.GreaterOrEqual(t, len(corpus), 50)
	for _, f := range fixtureFiles(t) {
		name := strings.TrimSuffix(filepath.Base(f), ".json")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			g := readGolden(t, filepath.Join("testdata", "golden", name+".json"))
			match, total := compareGolden(t, f, g, corpus)
			t.Logf("%s: %d/%d cases match", name, match, total)
		})
	}
}

// pythonRef returns the reference python, failing when CI requires it.
func pythonRef(t *testing.T) string {
	t.Helper()
	py := os.Getenv(envPython)
	if py == "" {
		if os.Getenv(envRequirePyref) == "1" {
			t.Fatalf("%s=1 but %s is not set", envRequirePyref, envPython)
		}
		t.Skipf("%s not set: the committed goldens alone are checked", envPython)
	}
	return py
}

func runRef(t *testing.T, py string, args ...string) {
	t.Helper()
	cmd := exec.Command(py, append([]string{refScript, "--testdata", "testdata"}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Run(), "tokenize_ref.py: %s", stderr.String())
}

// TestGoldensArePython re-runs the reference script and requires the
// committed goldens to be byte-identical to its output.
func TestGoldensArePython(t *testing.T) {
	t.Parallel()
	py := pythonRef(t)
	out := t.TempDir()
	runRef(t, py, "--out", out)
	for _, f := range fixtureFiles(t) {
		name := filepath.Base(f)
		want, err := os.ReadFile(filepath.Join(out, name))
		require.NoError(t, err)
		got, err := os.ReadFile(filepath.Join("testdata", "golden", name))
		require.NoError(t, err)
		require.True(t, bytes.Equal(want, got), "testdata/golden/%s differs from tokenize_ref.py's output: rerun it", name)
	}
}

// TestExtraTokenizers checks real tokenizer.json files named by
// DAGWORKER_TEST_TOKENIZERS (absolute, or relative to the package or the
// repository root) against the live Python reference.
func TestExtraTokenizers(t *testing.T) {
	t.Parallel()
	list := os.Getenv(envTokenizers)
	if list == "" {
		t.Skipf("%s not set", envTokenizers)
	}
	py := pythonRef(t)
	corpus := loadCorpus(t)
	for _, f := range filepath.SplitList(list) {
		if f == "" {
			continue
		}
		t.Run(filepath.Base(filepath.Dir(f))+"_"+filepath.Base(f), func(t *testing.T) {
			out := t.TempDir()
			if _, err := os.Stat(f); err != nil && !filepath.IsAbs(f) {
				f = filepath.Join("..", "..", "..", "..", f) // relative to the repository root
			}
			abs, err := filepath.Abs(f)
			require.NoError(t, err)
			runRef(t, py, "--out", out, "--tokenizer", abs)
			g := readGolden(t, filepath.Join(out, filepath.Base(filepath.Dir(abs))+"_"+filepath.Base(abs)))
			match, total := compareGolden(t, abs, g, corpus)
			t.Logf("%s: %d/%d cases match", f, match, total)
		})
	}
}

func FuzzTokenize(f *testing.F) {
	var tks []*Tokenizer
	for _, p := range fixtureFiles(f) {
		data, err := os.ReadFile(p)
		require.NoError(f, err)
		tk, err := Load(data)
		require.NoError(f, err)
		tks = append(tks, tk)
	}
	for _, e := range loadCorpus(f) {
		if len(e.Text) < 400 {
			f.Add(e.Text)
		}
	}
	f.Add("\xff\xfe invalid \xc3 utf8")
	f.Fuzz(func(t *testing.T, text string) {
		for _, tk := range tks {
			ids, err := tk.Tokenize(text)
			if err != nil {
				t.Fatalf("tokenize %q: %v", text, err)
			}
			n := uint32(tk.VocabSize())
			if i := slices.IndexFunc(ids, func(id uint32) bool { return id >= n }); i >= 0 {
				t.Fatalf("id %d out of vocabulary of %d for %q", ids[i], n, text)
			}
			enc, err := tk.Encode(text, &text, 32)
			if err != nil || len(enc.IDs) > 32 {
				t.Fatalf("encode %q: %v, %d ids", text, err, len(enc.IDs))
			}
		}
	})
}

// FuzzLoad feeds mutated tokenizer.json documents to Load: it must return
// a tokenizer or an error, never panic, and a loaded tokenizer must
// tokenize without panicking.
func FuzzLoad(f *testing.F) {
	f.Add(string(minimal(`{"type":"Sequence","normalizers":[{"type":"NFKC"},{"type":"Replace","pattern":{"Regex":" {2,}"},"content":" "}]}`,
		`{"type":"Metaspace","replacement":"▁","prepend_scheme":"first","split":true}`,
		`{"type":"TemplateProcessing","single":[{"Sequence":{"id":"A","type_id":0}}],"pair":[],"special_tokens":{}}`,
		`{"type":"Unigram","unk_id":0,"vocab":[["<unk>",0.0],["▁a",-1.5],["b",-2.0]],"byte_fallback":true}`)))
	f.Add(string(minimal(`{"type":"BertNormalizer"}`, `{"type":"ByteLevel"}`, `{"type":"BertProcessing","sep":["[SEP]",1],"cls":["[CLS]",2]}`,
		`{"type":"BPE","unk_token":"a","continuing_subword_prefix":"##","vocab":{"a":0,"b":1,"ab":2,"##b":3,"a##b":4},"merges":["a b",["a","##b"]]}`)))
	f.Add(string(minimal(`{"type":"Precompiled","precompiled_charsmap":"CAAAAAAAAAAAAAAA"}`, `{"type":"Split","pattern":{"Regex":"\\s+"},"behavior":"MergedWithPrevious","invert":true}`, "", "")))
	f.Fuzz(func(t *testing.T, doc string) {
		tk, err := Load([]byte(doc))
		if errors.Is(err, errPanic) {
			t.Fatalf("Load panicked: %v", err)
		}
		if err != nil {
			return
		}
		for _, s := range []string{"", "a b  ab ▁ x\u0301", "ÀB12 [SEP]"} {
			if _, err := tk.Encode(s, &s, 8); errors.Is(err, errPanic) {
				t.Fatalf("Encode panicked: %v", err)
			}
		}
	})
}
