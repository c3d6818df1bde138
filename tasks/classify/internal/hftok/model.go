package hftok

// model turns one pre-tokenised piece into ids. out is appended to.
type model interface {
	tokenize(s string, out []uint32) ([]uint32, error)
	vocabSize() int
	tokenToID(tok string) (uint32, bool)
}
