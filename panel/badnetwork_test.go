package panel

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
	"time"
)

// silentListener accepts connections on loopback, reads the request and
// never responds. It returns the panel URL.
func silentListener(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, conn := range conns {
			conn.Close()
		}
	})
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, conn)
			mu.Unlock()
			go bufio.NewReader(conn).ReadString('\n')
		}
	}()
	return "http://" + ln.Addr().String() + "/"
}

func TestHTTPServerNeverAnswers(t *testing.T) {
	url := silentListener(t)
	start := time.Now()
	_, err := fetchFrom(t, url, HTTPOptions{Timeout: 300 * time.Millisecond})
	elapsed := time.Since(start)

	fe := wantFetchError(t, err, KindTimeout)
	if want := "fetch " + url + "?json=yes: timed out: no complete response within 300ms"; fe.Error() != want {
		t.Errorf("Error() = %q, want %q", fe, want)
	}
	if elapsed > 2*time.Second {
		t.Errorf("fetch returned after %v, want about the 300ms timeout", elapsed)
	}
}

// trickle writes text one byte per interval until it is written or the
// client goes away.
func trickle(w io.Writer, flush func(), text string, interval time.Duration, done <-chan struct{}) {
	for i := range len(text) {
		if _, err := w.Write([]byte{text[i]}); err != nil {
			return
		}
		flush()
		select {
		case <-done:
			return
		case <-time.After(interval):
		}
	}
}

func TestHTTPTrickleCutByTimeout(t *testing.T) {
	// Each byte arrives well within any read timeout, so only a deadline on
	// the whole fetch stops these servers.
	body := farmWith(goodRig)
	t.Run("body", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			flush := w.(http.Flusher).Flush
			trickle(w, flush, body, time.Second/10, r.Context().Done())
		}))
		defer srv.Close()
		checkCutByTimeout(t, srv.URL)
	})
	t.Run("status line", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			conn, buf, err := http.NewResponseController(w).Hijack()
			if err != nil {
				t.Error(err)
				return
			}
			defer conn.Close()
			response := "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n" + body
			trickle(buf, func() { buf.Flush() }, response, time.Second/10, r.Context().Done())
		}))
		defer srv.Close()
		checkCutByTimeout(t, srv.URL)
	})
}

func checkCutByTimeout(t *testing.T, url string) {
	t.Helper()
	start := time.Now()
	_, err := fetchFrom(t, url, HTTPOptions{Timeout: 500 * time.Millisecond})
	elapsed := time.Since(start)
	wantFetchError(t, err, KindTimeout)
	if elapsed > 2*time.Second {
		t.Errorf("fetch returned after %v, want about the 500ms timeout", elapsed)
	}
}

func TestHTTPErrorStatuses(t *testing.T) {
	for _, status := range []int{http.StatusInternalServerError, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusTooManyRequests} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Error(w, http.StatusText(status), status)
			}))
			defer srv.Close()

			_, err := fetchFrom(t, srv.URL, HTTPOptions{})
			fe := wantFetchError(t, err, KindHTTPStatus)
			if fe.Status != status {
				t.Errorf("Status = %d, want %d", fe.Status, status)
			}
			var ra *RetryAfterError
			if errors.As(err, &ra) {
				t.Errorf("RetryAfterError %v without a Retry-After header", ra)
			}
		})
	}
}

func TestHTTPRetryAfter(t *testing.T) {
	// The local clock is 2024-05-01 12:00:00 UTC.
	now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name       string
		status     int
		retryAfter string
		date       string
		delay      time.Duration
		ok         bool
	}{
		{"seconds", http.StatusTooManyRequests, "120", "", 2 * time.Minute, true},
		{"seconds with spaces", http.StatusTooManyRequests, " 7 ", "", 7 * time.Second, true},
		{"zero", http.StatusTooManyRequests, "0", "", 0, true},
		{"on a 503", http.StatusServiceUnavailable, "30", "", 30 * time.Second, true},
		{"huge", http.StatusTooManyRequests, "99999999999999999", "", 9223372036 * time.Second, true},
		// The server's clock is 1 h ahead of the local one: the delay is
		// measured against its Date header, so it is 90 s, not 1 h 90 s.
		{"date with Date header", http.StatusTooManyRequests, "Wed, 01 May 2024 13:01:30 GMT", "Wed, 01 May 2024 13:00:00 GMT", 90 * time.Second, true},
		{"date without Date header", http.StatusTooManyRequests, "Wed, 01 May 2024 12:05:00 GMT", "", 5 * time.Minute, true},
		{"date in the past", http.StatusTooManyRequests, "Wed, 01 May 2024 11:00:00 GMT", "", 0, true},
		{"RFC 850 date", http.StatusTooManyRequests, "Wednesday, 01-May-24 12:00:10 GMT", "", 10 * time.Second, true},
		{"negative", http.StatusTooManyRequests, "-5", "", 0, false},
		{"not a number or date", http.StatusTooManyRequests, "soon", "", 0, false},
		{"fraction", http.StatusTooManyRequests, "1.5", "", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Retry-After", tt.retryAfter)
				// A nil Date keeps net/http from adding one of its own.
				w.Header()["Date"] = nil
				if tt.date != "" {
					w.Header()["Date"] = []string{tt.date}
				}
				w.WriteHeader(tt.status)
			}))
			defer srv.Close()

			_, err := fetchFrom(t, srv.URL, HTTPOptions{Now: func() time.Time { return now }})
			fe := wantFetchError(t, err, KindHTTPStatus)
			want := fmt.Sprintf("fetch %s/?json=yes: HTTP status %d %s", srv.URL, tt.status, http.StatusText(tt.status))
			if fe.Error() != want {
				t.Errorf("Error() = %q, want %q", fe, want)
			}
			var ra *RetryAfterError
			if got := errors.As(err, &ra); got != tt.ok {
				t.Fatalf("errors.As(RetryAfterError) = %v, want %v", got, tt.ok)
			}
			if tt.ok && ra.Delay != tt.delay {
				t.Errorf("Delay = %v, want %v", ra.Delay, tt.delay)
			}
		})
	}
}

func TestHTTPRedirectLoopAndSchemes(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/loop", http.StatusMovedPermanently)
	})
	for _, target := range []string{"file:///etc/passwd", "gopher://127.0.0.1/", "javascript:alert(1)", "data:,{}"} {
		mux.HandleFunc("/to/"+strings.SplitN(target, ":", 2)[0], func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Location", target)
			w.WriteHeader(http.StatusFound)
		})
	}
	srv := httptest.NewServer(mux)
	defer srv.Close()

	start := time.Now()
	_, err := fetchFrom(t, srv.URL+"/loop", HTTPOptions{Timeout: 5 * time.Second})
	wantFetchError(t, err, KindRedirect)
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Errorf("redirect loop took %v", elapsed)
	}

	for _, scheme := range []string{"file", "gopher", "javascript", "data"} {
		_, err := fetchFrom(t, srv.URL+"/to/"+scheme, HTTPOptions{})
		fe := wantFetchError(t, err, KindRedirect)
		if !strings.Contains(fe.Error(), "only http and https are followed") {
			t.Errorf("redirect to %s: Error() = %q", scheme, fe)
		}
	}
}

func TestHTTPRedirectToBadTLS(t *testing.T) {
	// A plain panel that redirects to https on a server whose certificate
	// the client does not trust.
	tlsSrv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"rigs":[]}`)
	}))
	defer tlsSrv.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, tlsSrv.URL+"/?json=yes", http.StatusFound)
	}))
	defer srv.Close()

	_, err := fetchFrom(t, srv.URL, HTTPOptions{})
	wantFetchError(t, err, KindTLS)
}

func TestReadBodyChunks(t *testing.T) {
	data := make([]byte, 3<<20+7)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	for _, size := range []int{0, 1, 511, 512, 513, 1 << 20, len(data) - 1} {
		for _, announced := range []bool{false, true} {
			t.Run(fmt.Sprintf("%d bytes, length announced %v", size, announced), func(t *testing.T) {
				contentLength := int64(-1)
				if announced {
					contentLength = int64(size)
				}
				// HalfReader returns short reads, as a network connection does.
				r := iotest.HalfReader(bytes.NewReader(data[:size]))
				body, read, err := readBody(r, contentLength, int64(size))
				if err != nil {
					t.Fatalf("readBody: %v", err)
				}
				if read != int64(size) || !bytes.Equal(body, data[:size]) {
					t.Errorf("read %d bytes, body of %d bytes equal %v; want the %d bytes given",
						read, len(body), bytes.Equal(body, data[:size]), size)
				}

				_, read, err = readBody(bytes.NewReader(data[:size+1]), contentLength, int64(size))
				if !errors.Is(err, errBodyTooLarge) || read != int64(size+1) {
					t.Errorf("one byte over the limit: read %d, error %v; want %d and errBodyTooLarge", read, err, size+1)
				}
			})
		}
	}
}
