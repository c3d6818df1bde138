// Package redistest is the Redis test harness: it starts a real redis-server
// (AOF on, a temp dir, a free loopback port) once per test binary, or uses the
// server named by DAGWORKER_TEST_REDIS, and gives each test its own key prefix
// and queue names so tests run in parallel without FLUSHDB.
//
// Use it from TestMain:
//
//	func TestMain(m *testing.M) { redistest.Main(m) }
//
// and in a test:
//
//	env := redistest.New(t)
//	rdb := env.Client()            // closed when the test ends
//	q := env.Queue("default")      // a queue name unique to this test
package redistest
