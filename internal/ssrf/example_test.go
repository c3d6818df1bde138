package ssrf_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/dagworker/dagworker/internal/ssrf"
)

func ExampleGuard_Client() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	defer srv.Close()

	strict := (&ssrf.Guard{}).Client(nil, 5*time.Second)
	_, err := strict.Get(srv.URL) // 127.0.0.1
	fmt.Println(errors.Is(err, ssrf.ErrBlocked))
	strict.CloseIdleConnections()

	lenient := (&ssrf.Guard{AllowPrivate: true}).Client(nil, 5*time.Second)
	resp, err := lenient.Get(srv.URL)
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	lenient.CloseIdleConnections()
	fmt.Println(resp.StatusCode)
	// Output:
	// true
	// 200
}
