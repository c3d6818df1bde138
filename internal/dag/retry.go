package dag

import (
	"crypto/sha1"
	"math"
	"math/big"
	"time"
)

// MaxRetryDelayCap is the cap on an exponential retry delay when the task
// sets no max_retry_delay (Airflow's [core] max_task_retry_delay, 24h).
const MaxRetryDelayCap = 24 * time.Hour

// RetryDelayFor returns how long to wait after try number `try` (1-based:
// the try that just failed) before the next try. Without exponential
// backoff it is retry_delay. With it, it is the deterministic part of
// Airflow's formula: retry_delay * 2^(try-1), rounded up to whole seconds,
// at least 1s, capped by max_retry_delay (24h when unset). Airflow adds a
// per-task-instance jitter of up to the same amount again; RetryDelayJitter
// reproduces that exactly.
func (t *Task) RetryDelayFor(try int) time.Duration {
	if !t.RetryExponentialBackoff {
		return t.RetryDelay
	}
	return t.capDelay(minBackoff(t.RetryDelay, try))
}

// RetryDelayJitter is Airflow's full exponential-backoff delay for a task
// instance: min_backoff + sha1("dag_id#task_id#logical_date#try") mod
// min_backoff seconds, capped like RetryDelayFor. logicalDate is formatted as
// Python's str(datetime) in UTC ("2026-11-28 00:00:00+00:00"). Without
// exponential backoff it equals RetryDelayFor.
func (t *Task) RetryDelayJitter(dagID string, logicalDate time.Time, try int) time.Duration {
	if !t.RetryExponentialBackoff {
		return t.RetryDelay
	}
	mb := minBackoff(t.RetryDelay, try)
	secs := int64(mb / time.Second)
	key := dagID + "#" + t.ID + "#" + pythonDatetime(logicalDate) + "#" + itoa(try)
	sum := sha1.Sum([]byte(key))
	h := new(big.Int).SetBytes(sum[:])
	mod := new(big.Int).Mod(h, big.NewInt(secs)).Int64()
	total := secs + mod
	if total > int64(math.MaxInt64/int64(time.Second)) {
		return t.capDelay(time.Duration(math.MaxInt64))
	}
	return t.capDelay(time.Duration(total) * time.Second)
}

// minBackoff is ceil(delay * 2^(try-1)) seconds, at least 1s, saturating.
func minBackoff(delay time.Duration, try int) time.Duration {
	if try < 1 {
		try = 1
	}
	f := math.Ceil(delay.Seconds() * math.Pow(2, float64(try-1)))
	if f < 1 {
		f = 1
	}
	if f > float64(math.MaxInt64/int64(time.Second)) {
		return time.Duration(math.MaxInt64 / int64(time.Second) * int64(time.Second))
	}
	return time.Duration(f) * time.Second
}

func (t *Task) capDelay(d time.Duration) time.Duration {
	limit := t.MaxRetryDelay
	if limit <= 0 {
		limit = MaxRetryDelayCap
	}
	return min(d, limit)
}

func pythonDatetime(t time.Time) string {
	t = t.UTC()
	s := t.Format("2006-01-02 15:04:05")
	if us := t.Nanosecond() / 1000; us != 0 {
		s += "." + pad6(us)
	}
	return s + "+00:00"
}

func pad6(n int) string {
	s := itoa(n)
	for len(s) < 6 {
		s = "0" + s
	}
	return s
}

func itoa(n int) string { return big.NewInt(int64(n)).String() }
