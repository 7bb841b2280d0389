package alert

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"rigtop/panel"
)

// panelServer serves one of the real panel samples in testdata/panels, or
// an HTTP error status, as the ethOS panel would.
type panelServer struct {
	*httptest.Server
	mu     sync.Mutex
	body   []byte
	status int
}

func newPanelServer(t *testing.T, sample string) *panelServer {
	t.Helper()
	s := &panelServer{}
	s.serve(t, sample)
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		if r.URL.Query().Get("json") != "yes" {
			http.Error(w, "want json=yes", http.StatusBadRequest)
			return
		}
		if s.status != 0 {
			http.Error(w, "upstream down", s.status)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=UTF-8")
		w.Write(s.body)
	}))
	t.Cleanup(s.Close)
	return s
}

// serve switches the server to a sample.
func (s *panelServer) serve(t *testing.T, sample string) {
	t.Helper()
	body, err := os.ReadFile(filepath.Join("..", "testdata", "panels", sample))
	if err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.body, s.status = body, 0
}

// fail makes the server respond with an HTTP error status.
func (s *panelServer) fail(status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status = status
}

func newHTTPMonitor(t *testing.T, c *clock, srv *panelServer) (*Monitor, panel.Source) {
	t.Helper()
	src, err := panel.ParseSource(srv.URL, panel.HTTPOptions{Now: c.Now})
	if err != nil {
		t.Fatalf("ParseSource(%s): %v", srv.URL, err)
	}
	return newTestMonitor(t, c, DefaultConfig(), "", src), src
}

func TestPollHealthySample(t *testing.T) {
	// nvidia-3rigs.json: 3 rigs mining, the hottest GPU at 79 °C, every GPU
	// hashing, the oldest report 82 s before the panel's clock.
	c := newClock()
	m, _ := newHTTPMonitor(t, c, newPanelServer(t, "nvidia-3rigs.json"))
	cy := poll(m, c, 0)
	if cy.Panels[0].Err != nil {
		t.Fatalf("fetch: %v", cy.Panels[0].Err)
	}
	if len(cy.Rigs) != 3 {
		t.Errorf("%d rigs, want 3", len(cy.Rigs))
	}
	if len(cy.Alerts) != 0 || cy.Notification != nil {
		t.Errorf("alerts %v, want none", keysOf(cy.Alerts))
	}
}

func TestPollUnreachableRigSample(t *testing.T) {
	// amd-10rigs-one-unreachable.json: rig a10006 (r1_15) is unreachable,
	// last reported at 1518874028 on a panel clock of 1518895927, 21899 s
	// (6h 4m 59s) earlier. The nine other rigs mine with GPUs at 77 °C or
	// less.
	c := newClock()
	srv := newPanelServer(t, "amd-10rigs-one-unreachable.json")
	m, src := newHTTPMonitor(t, c, srv)
	cy := poll(m, c, 0)
	if cy.Panels[0].Err != nil {
		t.Fatalf("fetch: %v", cy.Panels[0].Err)
	}
	name := src.Name()
	want := []Key{rigKey(name, "a10006", KindCondition), rigKey(name, "a10006", KindStale)}
	if got := keysOf(cy.Alerts); !slices.Equal(got, want) {
		t.Fatalf("alerts %v, want %v", got, want)
	}
	stale, _ := findAlert(cy.Alerts, want[1])
	if stale.Values.Age != 21899*time.Second || stale.Severity != SeverityCritical || stale.RigLabel != "r1_15" {
		t.Errorf("stale alert %+v, want critical, age 6h4m59s, label r1_15", stale)
	}
	if cy.Notification == nil {
		t.Fatal("no notification")
	}
	// Both alerts describe one drop-off, so only the condition is announced.
	if got := keysOf(cy.Notification.Firing); !slices.Equal(got, want[:1]) {
		t.Errorf("announced %v, want only %v", got, want[:1])
	}
	if got := Headline(en, *cy.Notification); got != "r1_15 (a10006): unreachable [unreachable]" {
		t.Errorf("headline %q", got)
	}
	if got := Describe(en, stale); got != "r1_15 (a10006): no report for 6h 4m, longer than 10m" {
		t.Errorf("describe %q", got)
	}
}

func TestPollJustBootedSample(t *testing.T) {
	// ethos13-just-booted.json: rig a40001 in just_booted at 300 s uptime.
	// The same document served for 16 minutes means it held longer than
	// the 15-minute grace.
	c := newClock()
	m, src := newHTTPMonitor(t, c, newPanelServer(t, "ethos13-just-booted.json"))
	if cy := poll(m, c, 0); len(cy.Alerts) != 0 {
		t.Fatalf("at 300 s uptime: alerts %v, want none", keysOf(cy.Alerts))
	}
	if cy := poll(m, c, 15*time.Minute); len(cy.Alerts) != 0 {
		t.Fatalf("held 15m: alerts %v, want none", keysOf(cy.Alerts))
	}
	cy := poll(m, c, time.Minute)
	key := rigKey(src.Name(), "a40001", KindCondition)
	firing, _ := notified(cy)
	if !slices.Equal(firing, []Key{key}) {
		t.Fatalf("held 16m: firing %v, want [%v]", firing, key)
	}
	if a := cy.Notification.Firing[0]; a.Severity != SeverityWarning || a.Values.Age != 16*time.Minute {
		t.Errorf("alert %+v, want a warning held 16m", a)
	}
}

func TestPollFailingPanelOverHTTP(t *testing.T) {
	c := newClock()
	srv := newPanelServer(t, "amd-10rigs-one-unreachable.json")
	m, src := newHTTPMonitor(t, c, srv)
	poll(m, c, 0)

	srv.fail(http.StatusBadGateway)
	cy := poll(m, c, time.Minute)
	if cy.Notification != nil {
		t.Fatalf("first failed fetch: notification %+v", cy.Notification)
	}
	if len(cy.Rigs) != 10 || !cy.Panels[0].Stale {
		t.Errorf("failed fetch: %d rigs, stale %v; want the last 10 rigs kept", len(cy.Rigs), cy.Panels[0].Stale)
	}
	if got, want := ErrorText(en, cy.Panels[0].Err), srv.URL+"/?json=yes returned HTTP status 502"; got != want {
		t.Errorf("ErrorText = %q, want %q", got, want)
	}

	cy = poll(m, c, 11*time.Minute)
	srcKey := Key{Panel: src.Name(), GPU: NoGPU, Kind: KindUnreachable}
	firing, resolved := notified(cy)
	if !slices.Equal(firing, []Key{srcKey}) || len(resolved) != 0 {
		t.Fatalf("failing 11m: firing %v resolved %v, want only [%v]", firing, resolved, srcKey)
	}
	want := "Panel " + srv.URL + " unreachable for 11m: " + srv.URL + "/?json=yes returned HTTP status 502"
	if got := Describe(en, cy.Notification.Firing[0]); got != want {
		t.Errorf("describe %q, want %q", got, want)
	}

	srv.serve(t, "amd-10rigs-one-unreachable.json")
	_, resolved = notified(poll(m, c, time.Minute))
	if !slices.Equal(resolved, []Key{srcKey}) {
		t.Errorf("panel back: resolved %v, want [%v]", resolved, srcKey)
	}
}
