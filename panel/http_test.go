package panel

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func readSample(t *testing.T, name string) []byte {
	t.Helper()
	body, err := os.ReadFile(filepath.Join("..", "testdata", "panels", name))
	if err != nil {
		t.Fatal(err)
	}
	return body
}

// fetchFrom fetches url once with opts and returns the snapshot and error.
func fetchFrom(t *testing.T, url string, opts HTTPOptions) (Snapshot, error) {
	t.Helper()
	src, err := ParseSource(url, opts)
	if err != nil {
		t.Fatal(err)
	}
	return src.Fetch(context.Background())
}

// wantFetchError checks that err is a *FetchError of kind and returns it.
func wantFetchError(t *testing.T, err error, kind ErrorKind) *FetchError {
	t.Helper()
	var fe *FetchError
	if !errors.As(err, &fe) {
		t.Fatalf("error = %v (%T), want *FetchError", err, err)
	}
	if fe.Kind != kind {
		t.Fatalf("Kind = %v, want %v; error: %v", fe.Kind, kind, err)
	}
	return fe
}

func TestHTTPFetchSample(t *testing.T) {
	body := readSample(t, "nvidia-3rigs.json")
	var gotUA, gotQuery string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotUA, gotQuery = r.UserAgent(), r.URL.RawQuery
		w.Header().Set("Content-Type", "text/html; charset=UTF-8") // as the real panel serves it
		w.Write(body)
	}))
	defer srv.Close()

	now := time.Date(2017, 9, 9, 2, 42, 0, 0, time.UTC)
	snap, err := fetchFrom(t, srv.URL, HTTPOptions{UserAgent: "rigtop-test/1", Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	wantString(t, "User-Agent", gotUA, "rigtop-test/1")
	wantString(t, "query", gotQuery, "json=yes")
	wantString(t, "Source", snap.Source, srv.URL)
	if !snap.FetchedAt.Equal(now) {
		t.Errorf("FetchedAt = %v, want the injected clock %v", snap.FetchedAt, now)
	}
	if len(snap.Rigs) != 3 {
		t.Errorf("len(Rigs) = %d, want 3", len(snap.Rigs))
	}
}

func TestHTTPDefaultUserAgent(t *testing.T) {
	var gotUA string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotUA = r.UserAgent()
		fmt.Fprint(w, `{"rigs":[]}`)
	}))
	defer srv.Close()

	if _, err := fetchFrom(t, srv.URL, HTTPOptions{}); err != nil {
		t.Fatal(err)
	}
	wantString(t, "User-Agent", gotUA, DefaultUserAgent)
}

func TestHTTPRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String() + "/"
	ln.Close()

	_, err = fetchFrom(t, url, HTTPOptions{})
	wantFetchError(t, err, KindRefused)
	if want := "fetch " + url + "?json=yes: connection refused"; err.Error() != want {
		t.Errorf("Error() = %q, want %q", err, want)
	}
}

func TestHTTPDNSFailure(t *testing.T) {
	// The resolver's own transport fails, so no DNS query leaves the machine.
	resolver := &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, network, address string) (net.Conn, error) {
			return nil, errors.New("no DNS in tests")
		},
	}
	dialer := &net.Dialer{Resolver: resolver}
	client := &http.Client{Transport: &http.Transport{DialContext: dialer.DialContext}}

	_, err := fetchFrom(t, "http://rigtop-test-panel.invalid/", HTTPOptions{Client: client})
	fe := wantFetchError(t, err, KindDNS)
	if !strings.HasPrefix(fe.Error(), "fetch http://rigtop-test-panel.invalid/?json=yes: DNS lookup failed: ") {
		t.Errorf("Error() = %q", fe)
	}
}

func TestHTTPTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)

	_, err := fetchFrom(t, srv.URL, HTTPOptions{Timeout: 100 * time.Millisecond})
	fe := wantFetchError(t, err, KindTimeout)
	if want := "fetch " + srv.URL + "/?json=yes: timed out: no complete response within 100ms"; fe.Error() != want {
		t.Errorf("Error() = %q, want %q", fe, want)
	}
}

func TestHTTPTimeoutDuringBody(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"rigs":{`)
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)

	_, err := fetchFrom(t, srv.URL, HTTPOptions{Timeout: 100 * time.Millisecond})
	wantFetchError(t, err, KindTimeout)
}

func TestHTTPCanceled(t *testing.T) {
	arrived := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(arrived)
		<-r.Context().Done()
	}))
	defer srv.Close()

	src, err := ParseSource(srv.URL, HTTPOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-arrived
		cancel()
	}()
	_, err = src.Fetch(ctx)
	fe := wantFetchError(t, err, KindCanceled)
	if !strings.HasSuffix(fe.Error(), ": canceled") {
		t.Errorf("Error() = %q", fe)
	}
}

func TestHTTPTLSUntrustedCertificate(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"rigs":[]}`)
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the failed handshake is expected
	srv.StartTLS()
	defer srv.Close()

	_, err := fetchFrom(t, srv.URL, HTTPOptions{})
	fe := wantFetchError(t, err, KindTLS)
	if !strings.Contains(fe.Error(), ": TLS handshake failed: ") {
		t.Errorf("Error() = %q", fe)
	}

	// The same server is fine for a client that trusts its certificate.
	if _, err := fetchFrom(t, srv.URL, HTTPOptions{Client: srv.Client()}); err != nil {
		t.Errorf("with the server's client: %v", err)
	}
}

func TestHTTPSToPlainServer(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()

	_, err := fetchFrom(t, strings.Replace(srv.URL, "http://", "https://", 1), HTTPOptions{})
	wantFetchError(t, err, KindTLS)
}

func TestHTTPStatus(t *testing.T) {
	for _, status := range []int{http.StatusNotFound, http.StatusInternalServerError, http.StatusServiceUnavailable} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Error(w, `{"rigs":[]}`, status)
			}))
			defer srv.Close()

			_, err := fetchFrom(t, srv.URL, HTTPOptions{})
			fe := wantFetchError(t, err, KindHTTPStatus)
			if fe.Status != status {
				t.Errorf("Status = %d, want %d", fe.Status, status)
			}
			if want := fmt.Sprintf("fetch %s/?json=yes: HTTP status %d %s", srv.URL, status, http.StatusText(status)); fe.Error() != want {
				t.Errorf("Error() = %q, want %q", fe, want)
			}
		})
	}
}

func TestHTTPBodyProblems(t *testing.T) {
	tests := []struct {
		name   string
		body   string
		kind   ErrorKind
		offset int64
		text   string
	}{
		{"html page", "<!DOCTYPE html>\n<html><body>No such panel</body></html>", KindHTML, -1, "body is an HTML page, not panel JSON"},
		{"empty", "", KindEmpty, -1, "empty body"},
		{"truncated JSON", `{"rigs":{"a":{"hash":`, KindTruncated, 21, "truncated JSON"},
		{"invalid JSON", `{"rigs":{"a":{"hash":1 2}}}`, KindInvalidJSON, 23, "invalid JSON: invalid character '2' after object key:value pair at byte 23"},
		{"UTF-16 body", "\xff\xfe{\x00}\x00", KindInvalidEncoding, 0, "invalid text encoding"},
		{"not a panel", `{"status":"ok"}`, KindNotPanel, -1, `not an ethOS panel document: no "rigs" field`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html")
				fmt.Fprint(w, tt.body)
			}))
			defer srv.Close()

			_, err := fetchFrom(t, srv.URL, HTTPOptions{})
			fe := wantFetchError(t, err, tt.kind)
			if fe.Offset != tt.offset {
				t.Errorf("Offset = %d, want %d", fe.Offset, tt.offset)
			}
			if fe.Status != http.StatusOK {
				t.Errorf("Status = %d, want 200", fe.Status)
			}
			if prefix := "fetch " + srv.URL + "/?json=yes: " + tt.text; !strings.HasPrefix(fe.Error(), prefix) {
				t.Errorf("Error() = %q, want prefix %q", fe, prefix)
			}
		})
	}
}

func TestHTTPShortContentLength(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "1000")
		fmt.Fprint(w, `{"rigs":{}}`)
	}))
	defer srv.Close()

	_, err := fetchFrom(t, srv.URL, HTTPOptions{})
	fe := wantFetchError(t, err, KindTruncated)
	if fe.Offset != 11 {
		t.Errorf("Offset = %d, want 11, the bytes received", fe.Offset)
	}
	if want := "fetch " + srv.URL + "/?json=yes: body truncated: the connection ended after 11 bytes: unexpected EOF"; fe.Error() != want {
		t.Errorf("Error() = %q, want %q", fe, want)
	}
}

func TestHTTPConnectionCutMidBody(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, buf, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close()
		// A chunked response that stops in the middle of a chunk.
		buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n")
		buf.WriteString("40\r\n{\"rigs\":{\"a\":{\"condition\":\"mining\"")
		buf.Flush()
	}))
	defer srv.Close()

	_, err := fetchFrom(t, srv.URL, HTTPOptions{})
	wantFetchError(t, err, KindTruncated)
}

func TestHTTPConnectionClosedBeforeResponse(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		conn.Close()
	}))
	defer srv.Close()

	_, err := fetchFrom(t, srv.URL, HTTPOptions{})
	fe := wantFetchError(t, err, KindClosed)
	if want := "fetch " + srv.URL + "/?json=yes: connection closed by the server before a response"; fe.Error() != want {
		t.Errorf("Error() = %q, want %q", fe, want)
	}
}

func TestHTTPTooLarge(t *testing.T) {
	body := `{"rigs":{},"padding":"` + strings.Repeat("x", 200) + `"}`
	for _, chunked := range []bool{false, true} {
		t.Run(fmt.Sprintf("chunked=%v", chunked), func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if chunked {
					w.(http.Flusher).Flush() // no Content-Length
				}
				fmt.Fprint(w, body)
			}))
			defer srv.Close()

			_, err := fetchFrom(t, srv.URL, HTTPOptions{MaxBodyBytes: 100})
			fe := wantFetchError(t, err, KindTooLarge)
			if !strings.Contains(fe.Error(), "larger than the 100-byte limit") {
				t.Errorf("Error() = %q", fe)
			}
		})
	}
}

func TestHTTPBodyExactlyAtLimit(t *testing.T) {
	body := `{"rigs":{}}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.(http.Flusher).Flush()
		fmt.Fprint(w, body)
	}))
	defer srv.Close()

	if _, err := fetchFrom(t, srv.URL, HTTPOptions{MaxBodyBytes: int64(len(body))}); err != nil {
		t.Errorf("body of exactly MaxBodyBytes: %v", err)
	}
}

func TestHTTPRedirects(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/panel", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, `{"rigs":[]}`) })
	mux.HandleFunc("/hop/{n}", func(w http.ResponseWriter, r *http.Request) {
		var n int
		fmt.Sscan(r.PathValue("n"), &n)
		if n == 0 {
			http.Redirect(w, r, "/panel", http.StatusFound)
			return
		}
		http.Redirect(w, r, fmt.Sprintf("/hop/%d", n-1), http.StatusFound)
	})
	mux.HandleFunc("/ftp", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "ftp://files.example/panel.json", http.StatusFound)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	// /hop/4 redirects five times in all: allowed.
	if _, err := fetchFrom(t, srv.URL+"/hop/4", HTTPOptions{}); err != nil {
		t.Errorf("five redirects: %v", err)
	}

	_, err := fetchFrom(t, srv.URL+"/hop/5", HTTPOptions{})
	fe := wantFetchError(t, err, KindRedirect)
	if !strings.Contains(fe.Error(), "stopped after 5 redirects") {
		t.Errorf("Error() = %q", fe)
	}

	_, err = fetchFrom(t, srv.URL+"/ftp", HTTPOptions{})
	fe = wantFetchError(t, err, KindRedirect)
	if !strings.Contains(fe.Error(), "only http and https are followed") {
		t.Errorf("Error() = %q", fe)
	}
}

func TestHTTPClientNotModified(t *testing.T) {
	client := &http.Client{}
	ParseSource("http://127.0.0.1:1/", HTTPOptions{Client: client})
	if client.CheckRedirect != nil {
		t.Error("ParseSource changed the caller's client")
	}
}

func TestHTTPRawConnectionGarbage(t *testing.T) {
	// A server that responds with something that is not HTTP at all.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		bufio.NewReader(conn).ReadString('\n')
		conn.Write([]byte("SSH-2.0-OpenSSH_9.6\r\n"))
	}()

	_, err = fetchFrom(t, "http://"+ln.Addr().String()+"/", HTTPOptions{})
	wantFetchError(t, err, KindOther)
}

func TestErrorKindString(t *testing.T) {
	want := map[ErrorKind]string{
		KindOther: "other", KindRefused: "refused", KindDNS: "dns", KindTimeout: "timeout", KindTLS: "tls",
		KindHTTPStatus: "http_status", KindRedirect: "redirect", KindClosed: "closed", KindHTML: "html",
		KindEmpty: "empty", KindTruncated: "truncated", KindTooLarge: "too_large", KindInvalidJSON: "invalid_json",
		KindInvalidEncoding: "invalid_encoding", KindNotPanel: "not_panel", KindCanceled: "canceled",
		KindNotFound: "not_found", KindUnreadable: "unreadable",
	}
	for kind, name := range want {
		if kind.String() != name {
			t.Errorf("%d.String() = %q, want %q", int(kind), kind.String(), name)
		}
	}
	if len(want) != len(kindNames) {
		t.Errorf("%d kinds tested, %d defined", len(want), len(kindNames))
	}
	if got := ErrorKind(99).String(); got != "ErrorKind(99)" {
		t.Errorf("ErrorKind(99).String() = %q", got)
	}
}
