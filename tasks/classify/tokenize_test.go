package classify

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/sugarme/tokenizer/pretrained"
)

// tokenCase is a word and the WordPiece tokens Hugging Face's tokenizer
// gives it (worked out by hand from the vocabulary: lowercase, NFD, drop
// accents, split CJK ideographs, greedy longest-match WordPiece).
type tokenCase struct {
	lang, word string
	want       []string
}

// bertUncasedCases are for Google's bert-base-uncased vocabulary.
var bertUncasedCases = []tokenCase{
	{"de", "Straße", []string{"st", "##raße"}},
	{"de", "schön", []string{"sc", "##hon"}},
	{"de", "Über", []string{"uber"}},
	{"de", "Mädchen", []string{"mad", "##chen"}},
	{"fr", "déjà", []string{"de", "##ja"}},
	{"fr", "français", []string{"francais"}},
	{"fr", "élève", []string{"el", "##eve"}},
	{"fr", "garçon", []string{"ga", "##rco", "##n"}},
	{"pl", "Łódź", []string{"łodz"}},
	{"pl", "żółć", []string{"z", "##o", "##ł", "##c"}},
	{"pl", "święto", []string{"sw", "##ie", "##to"}},
	{"es", "niño", []string{"nino"}},
	{"es", "mañana", []string{"mana", "##na"}},
	{"es", "canción", []string{"can", "##cion"}},
	{"ru", "привет", []string{"п", "##р", "##и", "##в", "##е", "##т"}},
	{"ru", "хороший", []string{"х", "##о", "##р", "##о", "##ш", "##ии"}}, // й = и + breve: the breve goes
	{"ru", "Ёлка", []string{"е", "##л", "##ка"}},
	{"ja", "ありがとう", []string{"あ", "##り", "##か", "##と", "##う"}}, // が = か + dakuten: the dakuten goes
	{"ja", "日本語", []string{"日", "本", "語"}},                     // ideographs are split into words
	{"ja", "東京", []string{"東", "京"}},
	{"ja", "カタカナ", []string{"カ", "##タ", "##カ", "##ナ"}},
}

// ownCases are for the generated fixtures' vocabulary.
var ownCases = []tokenCase{
	{"en", "games", []string{"game", "##s"}},
	{"de", "Glücklich", []string{"glucklich"}},
	{"de", "enttäuscht", []string{"enttauscht"}},
	{"fr", "Déçu", []string{"decu"}},
	{"fr", "génial", []string{"genial"}},
	{"pl", "Świetny", []string{"swietny"}},
	{"pl", "zły", []string{"zły"}},
	{"es", "fantástico", []string{"fantastico"}},
	{"es", "pésimo", []string{"pesimo"}},
	{"ru", "хороший", []string{"хорошии"}},
	{"ru", "Отлично", []string{"отлично"}},
	{"ja", "ひどい", []string{"ひとい"}},
	{"ja", "悪", []string{"悪"}},
	{"ja", "政治", []string{"政", "治"}},
}

func vocabOf(t *testing.T, tokenizerJSON []byte) map[string]int {
	t.Helper()
	var doc struct {
		Model struct {
			Vocab map[string]int `json:"vocab"`
		} `json:"model"`
	}
	require.NoError(t, json.Unmarshal(tokenizerJSON, &doc))
	return doc.Model.Vocab
}

func TestTokenizerMatchesHuggingFace(t *testing.T) {
	t.Parallel()
	type suite struct {
		name  string
		dir   func(t *testing.T) string
		cases []tokenCase
	}
	suites := []suite{
		{"own-fixture", func(*testing.T) string { return filepath.Join("models", DemoModel) }, ownCases},
		{"bert-base-uncased", func(t *testing.T) string {
			root := sharedModelsDir(t)
			if root == "" {
				t.Skip("shared models folder not found (set DAGWORKER_TEST_MODELS): external bert-base-uncased check skipped")
			}
			return filepath.Join(root, "gen-lexicon-sentiment")
		}, bertUncasedCases},
	}
	for _, s := range suites {
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			dir := s.dir(t)
			tkJSON, err := os.ReadFile(filepath.Join(dir, "tokenizer.json"))
			require.NoError(t, err)
			vocab := vocabOf(t, tkJSON)
			l, err := loadModel(dir, PipelineTextClassification)
			require.NoError(t, err)
			t.Cleanup(func() { _ = l.session.Destroy() })
			l.setMaxTokens(64)
			for _, c := range s.cases {
				want := []int{vocab["[CLS]"]}
				for _, tok := range c.want {
					id, ok := vocab[tok]
					require.True(t, ok, "test table: %q not in the vocabulary", tok)
					want = append(want, id)
				}
				want = append(want, vocab["[SEP]"])
				enc, err := l.tk.EncodeSingle(c.word, true)
				require.NoError(t, err)
				require.Equal(t, want, enc.Ids, "%s %q → %v, got tokens %v", c.lang, c.word, c.want, enc.Tokens)
			}
		})
	}
}

func TestNormalizerFixIsNeeded(t *testing.T) {
	t.Parallel()
	root := sharedModelsDir(t)
	if root == "" {
		t.Skip("shared models folder not found (set DAGWORKER_TEST_MODELS): external bert-base-uncased check skipped")
	}
	tkJSON, err := os.ReadFile(filepath.Join(root, "gen-lexicon-sentiment", "tokenizer.json"))
	require.NoError(t, err)
	tk, err := pretrained.FromReader(bytes.NewReader(tkJSON))
	require.NoError(t, err)
	enc, err := tk.EncodeSingle("déjà", false)
	require.NoError(t, err)
	require.Equal(t, []string{"[UNK]"}, enc.Tokens, "hugot's tokenizer as loaded loses the accented word")
	fixed, err := fixNormalizer(tk, tkJSON)
	require.NoError(t, err)
	require.True(t, fixed)
	enc, err = tk.EncodeSingle("déjà", false)
	require.NoError(t, err)
	require.Equal(t, []string{"de", "##ja"}, enc.Tokens)
}

func TestFixNormalizerLeavesOthers(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, normalizer string
		fixed            bool
	}{
		{"uncased default strip", `{"type":"BertNormalizer","lowercase":true,"strip_accents":null}`, true},
		{"explicit strip", `{"type":"BertNormalizer","lowercase":false,"strip_accents":true}`, true},
		{"cased keeps accents", `{"type":"BertNormalizer","lowercase":false,"strip_accents":null}`, false},
		{"explicit keep", `{"type":"BertNormalizer","lowercase":true,"strip_accents":false}`, false},
		{"sequence untouched", `{"type":"Sequence","normalizers":[{"type":"NFD"}]}`, false},
		{"none", `null`, false},
	}
	tkJSON, err := os.ReadFile(filepath.Join("models", DemoModel, "tokenizer.json"))
	require.NoError(t, err)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			tk, err := pretrained.FromReader(bytes.NewReader(tkJSON))
			require.NoError(t, err)
			doc := strings.Replace(string(tkJSON), `"normalizer": {`, `"normalizer": `+c.normalizer+`, "old_normalizer": {`, 1)
			fixed, err := fixNormalizer(tk, []byte(doc))
			require.NoError(t, err)
			require.Equal(t, c.fixed, fixed)
		})
	}
}

func TestTruncationKeepsFinalSeparator(t *testing.T) {
	t.Parallel()
	l, err := loadModel(filepath.Join("models", DemoModel), PipelineTextClassification)
	require.NoError(t, err)
	t.Cleanup(func() { _ = l.session.Destroy() })
	long := strings.Repeat("good bad ", 200)
	for _, n := range []int{8, 16, 100} {
		l.setMaxTokens(n)
		enc, err := l.tk.EncodeSingle(long, true)
		require.NoError(t, err)
		require.Len(t, enc.Ids, n)
		require.Equal(t, "[CLS]", enc.Tokens[0])
		require.Equal(t, "[SEP]", enc.Tokens[n-1], "max_length %d keeps the final separator", n)
	}
	l.tk.WithTruncation(nil)
	cut := l.truncateTokens("Très déçu, c'est génial et pésimo "+long, 10)
	enc, err := l.tk.EncodeSingle(cut, false)
	require.NoError(t, err)
	require.LessOrEqual(t, len(enc.Ids), 10)
	require.GreaterOrEqual(t, len(enc.Ids), 9)
	require.True(t, strings.HasPrefix(cut, "Très déçu"))
}
