//go:build race

package hftok

// longTextBytes is smaller under the race detector, which is ~10x slower.
const longTextBytes = 1 << 18
