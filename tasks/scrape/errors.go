package scrape

import "errors"

var (
	// ErrNothingFetched fails a try in which no page could be fetched.
	ErrNothingFetched = errors.New("scrape: no page could be fetched")
	// ErrNoLake is returned when the task has no data lake to write to.
	ErrNoLake = errors.New("scrape: task has no data lake")

	// errRobots marks a URL or redirect target refused by robots.txt.
	errRobots = errors.New("disallowed by robots.txt")
	// errRobotsUnavailable marks a robots.txt that answered 5xx: RFC 9309
	// disallows the whole site until it recovers.
	errRobotsUnavailable = errors.New("site disallows crawling until it recovers")
	// errDuplicate marks a redirect to a URL that was already fetched.
	errDuplicate = errors.New("redirect to a page already fetched")
)
