//go:build !race

package hftok

// longTextBytes is the size of the long inputs of TestLongText.
const longTextBytes = 1 << 20
