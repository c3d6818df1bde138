//go:build race

package classify

// raceEnabled: gomlx's SimpleGo executor reads a per-execution use counter
// without its lock when it runs a graph's ops in parallel (a formal data
// race upstream: the counter only grows, so the ownership decision stays
// safe). Race-detector runs switch it to sequential op execution.
const raceEnabled = true
