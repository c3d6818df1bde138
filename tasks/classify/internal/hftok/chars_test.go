package hftok

import (
	"bufio"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/text/unicode/norm"
)

// TestCharsExhaustive compares, for every code point of planes 0-3 and 14,
// each normalizer and pre-tokenizer alone against the live Python
// reference (scripts/pyref/char_ref.py).
func TestCharsExhaustive(t *testing.T) {
	t.Parallel()
	py := pythonRef(t)
	xlmr := filepath.Join("testdata", "tokenizers", "unigram_xlmr_precompiled.json")
	out := filepath.Join(t.TempDir(), "chars.txt")
	cmd := exec.Command(py, "../../../../scripts/pyref/char_ref.py", "--precompiled", xlmr, "--out", out)
	msg, err := cmd.CombinedOutput()
	require.NoError(t, err, "char_ref.py: %s", msg)

	want := make(map[string]map[rune]string)
	f, err := os.Open(out)
	require.NoError(t, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), " ", 3)
		require.Len(t, parts, 3)
		cp, err := strconv.ParseUint(parts[1], 16, 32)
		require.NoError(t, err)
		b, err := hex.DecodeString(parts[2])
		require.NoError(t, err)
		if want[parts[0]] == nil {
			want[parts[0]] = make(map[rune]string)
		}
		want[parts[0]][rune(cp)] = string(b)
	}
	require.NoError(t, sc.Err())

	data, err := os.ReadFile(xlmr)
	require.NoError(t, err)
	var doc struct {
		Normalizer json.RawMessage `json:"normalizer"`
	}
	require.NoError(t, json.Unmarshal(data, &doc))
	pc, err := parseNormalizer(doc.Normalizer)
	require.NoError(t, err)

	norms := map[string]normalizer{
		"bert_lower": bertNormalizer{cleanText: true, chinese: true, stripAccents: true, lowercase: true},
		"bert_cased": bertNormalizer{cleanText: true, chinese: true},
		"nfc":        unicodeForm{norm.NFC}, "nfd": unicodeForm{norm.NFD},
		"nfkc": unicodeForm{norm.NFKC}, "nfkd": unicodeForm{norm.NFKD},
		"lowercase": lowercase{}, "strip_accents": stripAccents{}, "nmt": nmt{}, "precompiled": pc,
	}
	pres := map[string]preTokenizer{
		"pre_bert": bertPre{}, "pre_whitespace": whitespacePre{},
		"pre_bytelevel": byteLevelPre{useRegex: true}, "pre_digits": digits{individual: true},
		"pre_punct": punctuation{b: behIsolated},
	}
	bad := map[string]int{}
	checked := 0
	report := func(name string, r rune, input, got string) {
		exp, ok := want[name][r]
		if !ok {
			exp = input
		}
		checked++
		if got != exp {
			bad[name]++
			if bad[name] <= 5 {
				t.Errorf("%s U+%04X: want %+q got %+q", name, r, exp, got)
			}
		}
	}
	ranges := [][2]rune{{0, 0x33FFF}, {0xE0000, 0xE0FFF}, {0xF0000, 0xF00FF}, {0x10FF00, 0x10FFFF}}
	for _, rg := range ranges {
		for r := rg[0]; r <= rg[1]; r++ {
			if r >= 0xD800 && r <= 0xDFFF {
				continue
			}
			c := string(r)
			for name, n := range norms {
				report(name, r, c, n.normalize(c))
			}
			for name, p := range pres {
				for _, in := range []struct{ suffix, s string }{{"", "x" + c + "x"}, {"+", " " + c + "1"}} {
					var parts []string
					for _, ps := range p.preTokenize([]piece{{s: in.s, first: true}}) {
						parts = append(parts, ps.s)
					}
					report(name+in.suffix, r, in.s, strings.Join(parts, "\x01"))
				}
			}
		}
	}
	t.Logf("%d (check, code point) cases, mismatches per check: %v", checked, bad)
}
