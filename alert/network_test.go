package alert

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"rigtop/panel"
)

// switchPanel is a panel on loopback whose failure the test switches. Its
// client's dialer fails name lookups itself and dials a closed port for a
// refused connection, so no request leaves the machine.
type switchPanel struct {
	srv    *httptest.Server
	client *http.Client
	body   []byte

	mu   sync.Mutex
	mode string
}

func newSwitchPanel(t *testing.T) *switchPanel {
	t.Helper()
	body, err := os.ReadFile(filepath.Join("..", "testdata", "panels", "nvidia-3rigs.json"))
	if err != nil {
		t.Fatal(err)
	}
	p := &switchPanel{body: body, mode: "ok"}
	p.srv = httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(p.srv.Close)

	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedAddr := closed.Addr().String()
	closed.Close()

	var dialer net.Dialer
	p.client = &http.Client{Transport: &http.Transport{
		// Every fetch dials, so that a switch to a dial failure takes
		// effect on the next fetch.
		DisableKeepAlives: true,
		DialContext: func(ctx context.Context, network, address string) (net.Conn, error) {
			switch p.get() {
			case "dns":
				return nil, &net.OpError{Op: "dial", Net: network,
					Err: &net.DNSError{Err: "no such host", Name: "panel.invalid", IsNotFound: true}}
			case "refused":
				return dialer.DialContext(ctx, network, closedAddr)
			}
			return dialer.DialContext(ctx, network, p.srv.Listener.Addr().String())
		},
	}}
	return p
}

func (p *switchPanel) get() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.mode
}

func (p *switchPanel) set(mode string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.mode = mode
}

func (p *switchPanel) serve(w http.ResponseWriter, r *http.Request) {
	switch mode := p.get(); mode {
	case "500":
		http.Error(w, "internal error", http.StatusInternalServerError)
	case "502":
		http.Error(w, "bad gateway", http.StatusBadGateway)
	case "503":
		http.Error(w, "unavailable", http.StatusServiceUnavailable)
	case "hang":
		<-r.Context().Done()
	case "trickle":
		for _, b := range p.body {
			if _, err := w.Write([]byte{b}); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	default:
		w.Write(p.body)
	}
}

func TestMonitorRecoversFromNetworkFailures(t *testing.T) {
	tests := []struct {
		mode string
		kind panel.ErrorKind
		text string
	}{
		{"refused", panel.KindRefused, "http://panel.invalid/?json=yes refused the connection: nothing is listening there"},
		{"dns", panel.KindDNS, "cannot resolve the host name in http://panel.invalid/?json=yes"},
		{"hang", panel.KindTimeout, "http://panel.invalid/?json=yes did not respond in time"},
		{"trickle", panel.KindTimeout, "http://panel.invalid/?json=yes did not respond in time"},
		{"500", panel.KindHTTPStatus, "http://panel.invalid/?json=yes returned HTTP status 500"},
		{"502", panel.KindHTTPStatus, "http://panel.invalid/?json=yes returned HTTP status 502"},
		{"503", panel.KindHTTPStatus, "http://panel.invalid/?json=yes returned HTTP status 503"},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			p := newSwitchPanel(t)
			c := newClock()
			src, err := panel.ParseSource("http://panel.invalid/", panel.HTTPOptions{Client: p.client, Timeout: 300 * time.Millisecond, Now: c.Now})
			if err != nil {
				t.Fatal(err)
			}
			m := newBackoffMonitor(t, c, backoffConfig(), time.Minute, src)
			if cy := m.Poll(context.Background()); cy.Panels[0].Err != nil {
				t.Fatalf("healthy panel: %v", cy.Panels[0].Err)
			}

			// Failures at minutes 1 to 4. Those at 3 and 4 are past the
			// one-minute grace and back off until minute 6.
			p.set(tt.mode)
			var cy Cycle
			for range 4 {
				c.Advance(time.Minute)
				start := time.Now()
				cy = m.Poll(context.Background())
				if elapsed := time.Since(start); elapsed > 5*time.Second {
					t.Errorf("poll took %v", elapsed)
				}
			}
			ps := cy.Panels[0]
			var fe *panel.FetchError
			if !errors.As(ps.Err, &fe) || fe.Kind != tt.kind {
				t.Fatalf("Err = %v, want a %v FetchError", ps.Err, tt.kind)
			}
			if got := ErrorText(en, ps.Err); got != tt.text {
				t.Errorf("ErrorText = %q, want %q", got, tt.text)
			}
			if want := t0.Add(6 * time.Minute); ps.Failures != 4 || !ps.NextFetch.Equal(want) {
				t.Errorf("Failures %d, NextFetch %v; want 4 and minute 6", ps.Failures, ps.NextFetch)
			}
			if !ps.Stale || len(cy.Rigs) != 3 {
				t.Errorf("Stale %v with %d rigs, want the 3 rigs kept, stale", ps.Stale, len(cy.Rigs))
			}

			// The panel is back at minute 5, a poll the backoff skips, so the
			// error stays; minute 6 reads it again.
			p.set("ok")
			c.Advance(time.Minute)
			if cy := m.Poll(context.Background()); !errors.Is(cy.Panels[0].Err, fe) {
				t.Errorf("minute 5: Err = %v, want the last fetch error kept", cy.Panels[0].Err)
			}
			c.Advance(time.Minute)
			cy = m.Poll(context.Background())
			if ps := cy.Panels[0]; ps.Err != nil || ps.Stale || ps.Failures != 0 || !ps.NextFetch.IsZero() {
				t.Errorf("minute 6: %+v, want the panel read again", ps)
			}
			if strings.Contains(ErrorText(en, cy.Panels[0].Err), "\n") {
				t.Error("error text spans lines")
			}
		})
	}
}
