package onnxgen

import (
	"encoding/binary"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestNormalize(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"Déjà": "deja", "Glücklich": "glucklich", "Świetny": "swietny", "zły": "zły",
		"Хороший": "хорошии", "ひどい": "ひとい", "Fußball": "fußball", "悪": "悪",
	}
	for in, want := range cases {
		require.Equal(t, want, Normalize(in), in)
	}
}

func TestVocabAndTokenizerJSON(t *testing.T) {
	t.Parallel()
	v := BuildVocab()
	require.Equal(t, specialTokens, v.Tokens[:len(specialTokens)])
	require.Equal(t, 1, v.ID("no-such-token"), "unknown → [UNK]")
	var doc struct {
		Model struct {
			Vocab map[string]int `json:"vocab"`
		} `json:"model"`
		PostProcessor struct {
			SpecialTokens map[string]struct{ IDs []int } `json:"special_tokens"`
		} `json:"post_processor"`
	}
	require.NoError(t, json.Unmarshal(TokenizerJSON(v), &doc))
	require.Len(t, doc.Model.Vocab, len(v.Tokens))
	for i, tok := range v.Tokens {
		require.Equal(t, i, doc.Model.Vocab[tok])
	}
	require.Equal(t, []int{v.ID("[SEP]")}, doc.PostProcessor.SpecialTokens["[SEP]"].IDs)
}

func TestModelEncoding(t *testing.T) {
	t.Parallel()
	for name, files := range All() {
		m := files["model.onnx"]
		// field 1 (ir_version), varint 8
		require.Equal(t, []byte{0x08, 0x08}, m[:2], name)
		tag, n := binary.Uvarint(m[2:])
		require.Positive(t, n)
		require.Equal(t, uint64(2<<3|2), tag, "%s: producer_name follows", name)
		var cfg map[string]any
		require.NoError(t, json.Unmarshal(files["config.json"], &cfg), name)
		require.EqualValues(t, MaxPositions, cfg["max_position_embeddings"])
	}
}
