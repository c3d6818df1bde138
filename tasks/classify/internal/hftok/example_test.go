package hftok_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/dagworker/dagworker/tasks/classify/internal/hftok"
)

// Load a tokenizer.json and encode a premise/hypothesis pair for a model
// with 16 positions.
func Example() {
	data, err := os.ReadFile(filepath.Join("testdata", "tokenizers", "wordpiece_uncased.json"))
	if err != nil {
		fmt.Println(err)
		return
	}
	tk, err := hftok.Load(data)
	if err != nil {
		fmt.Println(err)
		return
	}
	hypothesis := "Someone performs music."
	enc, err := tk.Encode("A man is playing a guitar on the stage.", &hypothesis, 16)
	if err != nil {
		fmt.Println(err)
		return
	}
	cls, _ := tk.TokenID("[CLS]")
	fmt.Println(len(enc.IDs), enc.IDs[0] == cls, tk.Processor().Added(true))
	// Output: 16 true 3
}

// The Processor alone post-processes ids another tokenizer produced.
func ExampleProcessor_Process() {
	p, err := hftok.LoadProcessor([]byte(`{"post_processor":{"type":"BertProcessing","sep":["[SEP]",102],"cls":["[CLS]",101]}}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	enc := p.Process([]uint32{7, 8, 9}, []uint32{4, 5}, 6)
	fmt.Println(enc.IDs, enc.TypeIDs, enc.AttentionMask)
	// Output: [101 7 8 102 4 102] [0 0 0 0 1 1] [1 1 1 1 1 1]
}
