// Package onnxgen writes small ONNX models and matching Hugging Face
// tokenizer files for dagworker's classify tests and demo. The models are
// encoded directly in protobuf wire format (no protobuf library) and use only
// operators that hugot's pure-Go backend runs: Gather, Cast, Unsqueeze,
// MatMul, Mul, Add, Div, Reshape and Tanh.
//
// The demo sentiment model has its own vocabulary, built from a sentiment
// lexicon of every demo site language and the demo site's text
// (BuildSentimentVocab); the test models share a small one (BuildVocab).
// wordpiece.go mirrors the generated tokenizer.json's pipeline so the
// generator can check what the runtime tokenizer will see.
package onnxgen

import (
	"encoding/binary"
	"math"
	"strconv"
)

// ONNX element types (TensorProto.DataType).
const (
	typeFloat = 1
	typeInt64 = 7
)

// ONNX attribute types (AttributeProto.AttributeType).
const (
	attrInt  = 2
	attrInts = 7
)

// buf is a protobuf wire-format message under construction.
type buf []byte

func (b *buf) varint(v uint64) {
	*b = binary.AppendUvarint(*b, v)
}

func (b *buf) tag(field, wire int) { b.varint(uint64(field<<3 | wire)) }

// int writes a varint field (int32/int64/enum).
func (b *buf) int(field int, v int64) {
	b.tag(field, 0)
	b.varint(uint64(v))
}

// bytes writes a length-delimited field (string, bytes or message).
func (b *buf) bytes(field int, v []byte) {
	b.tag(field, 2)
	b.varint(uint64(len(v)))
	*b = append(*b, v...)
}

func (b *buf) str(field int, s string) { b.bytes(field, []byte(s)) }

// tensor is an initializer: a named constant of float32 or int64 values.
type tensor struct {
	name   string
	dims   []int64
	floats []float32
	ints   []int64
}

func (t tensor) encode() []byte {
	var b buf
	for _, d := range t.dims {
		b.int(1, d) // dims
	}
	raw := make([]byte, 0, 8*(len(t.floats)+len(t.ints)))
	if t.ints != nil {
		b.int(2, typeInt64) // data_type
		for _, v := range t.ints {
			raw = binary.LittleEndian.AppendUint64(raw, uint64(v))
		}
	} else {
		b.int(2, typeFloat)
		for _, v := range t.floats {
			raw = binary.LittleEndian.AppendUint32(raw, math.Float32bits(v))
		}
	}
	b.str(8, t.name) // name
	b.bytes(9, raw)  // raw_data
	return b
}

// attr is a node attribute: an int or a list of ints.
type attr struct {
	name string
	i    int64
	ints []int64
}

func (a attr) encode() []byte {
	var b buf
	b.str(1, a.name)
	if a.ints != nil {
		for _, v := range a.ints {
			b.int(8, v) // ints
		}
		b.int(20, attrInts)
	} else {
		b.int(3, a.i) // i
		b.int(20, attrInt)
	}
	return b
}

// node is one operator application.
type node struct {
	op      string
	inputs  []string
	outputs []string
	attrs   []attr
}

func (n node) encode(name string) []byte {
	var b buf
	for _, in := range n.inputs {
		b.str(1, in)
	}
	for _, out := range n.outputs {
		b.str(2, out)
	}
	b.str(3, name)
	b.str(4, n.op)
	for _, a := range n.attrs {
		b.bytes(5, a.encode())
	}
	return b
}

// valueInfo declares a graph input or output; a dim of -1 is symbolic and
// takes its name from symbols.
type valueInfo struct {
	name     string
	elemType int64
	dims     []int64
	symbols  []string
}

func (v valueInfo) encode() []byte {
	var shape buf
	for i, d := range v.dims {
		var dim buf
		if d < 0 {
			dim.str(2, v.symbols[i]) // dim_param
		} else {
			dim.int(1, d) // dim_value
		}
		shape.bytes(1, dim)
	}
	var tt buf
	tt.int(1, v.elemType) // elem_type
	tt.bytes(2, shape)    // shape
	var typ buf
	typ.bytes(1, tt) // tensor_type
	var b buf
	b.str(1, v.name)
	b.bytes(2, typ)
	return b
}

// graph is a whole model graph.
type graph struct {
	name    string
	nodes   []node
	inits   []tensor
	inputs  []valueInfo
	outputs []valueInfo
}

// encodeModel returns the ModelProto bytes (IR version 8, opset 17).
func (g graph) encodeModel(producer string) []byte {
	var gb buf
	for i, n := range g.nodes {
		gb.bytes(1, n.encode(n.op+"_"+strconv.Itoa(i)))
	}
	gb.str(2, g.name)
	for _, t := range g.inits {
		gb.bytes(5, t.encode())
	}
	for _, in := range g.inputs {
		gb.bytes(11, in.encode())
	}
	for _, out := range g.outputs {
		gb.bytes(12, out.encode())
	}
	var opset buf
	opset.str(1, "")
	opset.int(2, 17)
	var m buf
	m.int(1, 8) // ir_version
	m.str(2, producer)
	m.str(3, "1")
	m.bytes(7, gb)
	m.bytes(8, opset)
	return m
}
