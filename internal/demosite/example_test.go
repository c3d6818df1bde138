package demosite_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/dagworker/dagworker/internal/demosite"
)

// Start the demo site on a free loopback port and read its robots.txt.
func Example() {
	srv, err := demosite.Start(context.Background(), "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	res, err := (&http.Client{Transport: tr}).Get(srv.URL() + demosite.PathRobots)
	if err != nil {
		panic(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	fmt.Println(strings.Split(string(body), "\n")[2])
	fmt.Println(len(demosite.Pages(demosite.Config{})), "pages in", len(demosite.Languages()), "languages")
	// Output:
	// Disallow: /private/
	// 262 pages in 9 languages
}
