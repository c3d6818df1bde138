package engine

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPayloadEncodeDecode(t *testing.T) {
	t.Parallel()
	cases := []Payload{
		{DagID: "d", RunID: "r", TaskID: "t", Try: 1},
		{DagID: "nightly", RunID: "scheduled__2026-11-28T00:00:00+00:00", TaskID: "classify", Try: 12, Inc: "0123456789abcdef",
			Pool: "gpu", PoolSlots: 2, RunStart: 1795000000000, Static: json.RawMessage(`{"op":"noop","args":{"q":"\"x\""},"mt":3}`)},
		{DagID: `a"b\c`, RunID: "ü\u2028🙂", TaskID: "t\x01", Try: 3, Pool: "<&>"},
		{DagID: "bad\xffutf8", RunID: "r", TaskID: "t", Try: 1},
	}
	for _, p := range cases {
		b := p.Encode()
		var std Payload
		require.NoError(t, json.Unmarshal(b, &std), "%s", b)
		got, err := DecodePayload(b)
		require.NoError(t, err)
		require.Equal(t, std, got, "%s", b)
		require.Equal(t, p.TaskID, got.TaskID)
		require.Equal(t, p.Inc, got.Inc)
	}
	// encoding/json's own form (older payloads, hand-made ones) still reads.
	old, err := json.Marshal(Payload{DagID: "d", RunID: "r", TaskID: "t", Try: 2, Pool: "p", PoolSlots: 1})
	require.NoError(t, err)
	p, err := DecodePayload(old)
	require.NoError(t, err)
	require.Equal(t, Payload{DagID: "d", RunID: "r", TaskID: "t", Try: 2, Pool: "p", PoolSlots: 1}, p)
	for _, bad := range []string{``, `{}`, `{"dag_id":"d","run_id":"r","task_id":"t","try":0}`, `[`,
		`{"dag_id":"d","run_id":"r","task_id":"t","try":1,"static":{"op":}`} {
		_, err := DecodePayload([]byte(bad))
		require.ErrorIs(t, err, ErrPayload, bad)
	}
}

// FuzzDecodePayload: the fast reader agrees with encoding/json on every
// input it accepts, and Encode's output reads back as what was encoded.
func FuzzDecodePayload(f *testing.F) {
	f.Add([]byte(`{"dag_id":"d","run_id":"r","task_id":"t","try":1}`))
	f.Add(Payload{DagID: "d", RunID: "r", TaskID: "t", Try: 2, Pool: "p", PoolSlots: 3, RunStart: 9,
		Static: json.RawMessage(`{"op":"x","args":{}}`)}.Encode())
	f.Add([]byte(`{"dag_id":"d","run_id":"r","task_id":"t","try":01}`))
	f.Add([]byte(`{"dag_id":"d","run_id":"r","task_id":"t","try":1,"static":{}}}`))
	f.Add([]byte("{\"dag_id\":\"\",\"run_id\":\"\",\"task_id\":\"\",\"try\":0,\"static\": {} \n}"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if fast, ok := decodeFast(b); ok {
			var std Payload
			require.NoError(t, json.Unmarshal(b, &std), "the fast reader accepted invalid JSON %q", b)
			require.Equal(t, std, fast, "%q", b)
		}
		p, err := DecodePayload(b)
		if err != nil {
			require.ErrorIs(t, err, ErrPayload)
			return
		}
		again, err := DecodePayload(p.Encode())
		require.NoError(t, err)
		if len(p.Static) > 0 {
			// encoding/json keeps a raw value's bytes; compare its meaning.
			require.JSONEq(t, string(p.Static), string(again.Static))
			p.Static, again.Static = nil, nil
		}
		require.Equal(t, p, again, "%q", b)
	})
}

// BenchmarkPayloadCodec: a try's payload written and read by hand against
// encoding/json.
func BenchmarkPayloadCodec(b *testing.B) {
	p := Payload{DagID: "nightly_reports", RunID: "scheduled__2026-11-28T00:00:00+00:00", TaskID: "classify_en",
		Try: 1, RunStart: 1795000000000, Static: json.RawMessage(`{"op":"classify","args":{"model":"sentiment","input":"runs/x/scrape/pages.jsonl"},"mt":3,"et":600000}`)}
	body := p.Encode()
	b.Run("encode", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			_ = p.Encode()
		}
	})
	b.Run("encode_json", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			_, _ = json.Marshal(p)
		}
	})
	b.Run("decode", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			_, _ = DecodePayload(body)
		}
	})
	b.Run("decode_json", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			var q Payload
			_ = json.Unmarshal(body, &q)
		}
	})
}
