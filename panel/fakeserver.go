package panel

import (
	"net/http"
	"sync"
	"time"
)

// FakeServer serves the simulated farm, or a scripted scenario, as an ethOS
// panel does: the JSON at any path, with or without ?json=yes, as text/html.
// It is safe for concurrent use.
type FakeServer struct {
	farm     *Farm
	now      func() time.Time
	scenario *Scenario

	mu       sync.Mutex
	requests int
}

// NewFakeServer returns a server for the simulated farm, rendered at now()
// on each request; nil now means time.Now.
func NewFakeServer(farm *Farm, now func() time.Time) *FakeServer {
	if now == nil {
		now = time.Now
	}
	return &FakeServer{farm: farm, now: now}
}

// NewScenarioServer returns a server that plays sc: request N (counting
// from 0, every path but /favicon.ico) gets step N of the script, and the
// last step once the script has run out.
func NewScenarioServer(sc *Scenario) *FakeServer {
	return &FakeServer{scenario: sc}
}

// Requests returns the number of panel requests the server has served.
func (s *FakeServer) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

// ServeHTTP implements http.Handler.
func (s *FakeServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if r.URL.Path == "/favicon.ico" {
		http.NotFound(w, r)
		return
	}

	s.mu.Lock()
	poll := s.requests
	s.requests++
	s.mu.Unlock()

	if s.scenario == nil {
		w.Header().Set("Content-Type", "text/html; charset=UTF-8")
		w.Write(s.farm.PanelJSON(s.now()))
		return
	}
	s.serveStep(w, poll)
}

func (s *FakeServer) serveStep(w http.ResponseWriter, poll int) {
	step := s.scenario.stepAt(poll)
	switch {
	case step.closeConn:
		closeConnection(w)
	case step.down:
		http.Error(w, http.StatusText(step.status), step.status)
	default:
		w.Header().Set("Content-Type", step.contentType)
		w.WriteHeader(step.status)
		w.Write(step.render(poll, s.scenario.clockStepSecs))
	}
}

// closeConnection drops the connection without a response, as a panel
// behind a failing proxy does. Without HTTP/1 hijacking it responds 503.
func closeConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		http.Error(w, http.StatusText(http.StatusServiceUnavailable), http.StatusServiceUnavailable)
		return
	}
	conn.Close()
}
