package panel

import (
	"context"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

// servePanel serves body on every request, with a Content-Length header
// unless chunked, and counts the requests.
func servePanel(t *testing.T, body []byte, chunked bool) (url string, requests *atomic.Int32) {
	t.Helper()
	requests = new(atomic.Int32)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		if chunked {
			w.(http.Flusher).Flush()
		} else {
			w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		}
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, requests
}

func httpSourceFor(t *testing.T, url string, now time.Time) *httpSource {
	t.Helper()
	src, err := ParseSource(url, HTTPOptions{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	return src.(*httpSource)
}

// fetchOnceMatchesDecode fetches from src and checks that the snapshot is
// what Decode makes of body, and that the fetch took one request.
func fetchOnceMatchesDecode(t *testing.T, src *httpSource, body []byte, now time.Time, requests *atomic.Int32) {
	t.Helper()
	got, err := src.Fetch(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want, err := Decode(body, src.Name(), now)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Error("fetched snapshot differs from Decode's")
	}
	if n := requests.Load(); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

func TestHTTPStreamsLargeFarm(t *testing.T) {
	// 1,000 rigs are over a megabyte, so the GPU builder runs on its own
	// goroutine while the body arrives.
	body := GenerateFarmJSON(1000, 8, 7)
	now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	url, requests := servePanel(t, body, false)
	src := httpSourceFor(t, url, now)

	fetchOnceMatchesDecode(t, src, body, now, requests)
	if src.wholeBodies.Load() {
		t.Error("a UTF-8 body switched the source to whole bodies")
	}
}

func TestHTTPStreamFallsBackForShiftJIS(t *testing.T) {
	body := readSample(t, "japanese-labels.sjis.json")
	url, requests := servePanel(t, body, false)
	src := httpSourceFor(t, url, time.Now())

	for fetch, wantRequests := range []int32{2, 3} {
		snap, err := src.Fetch(context.Background())
		if err != nil {
			t.Fatalf("fetch %d: %v", fetch+1, err)
		}
		var labels []string
		for _, r := range snap.Rigs {
			labels = append(labels, r.Label)
		}
		if !slices.Equal(labels, japaneseLabels) {
			t.Errorf("fetch %d: labels = %q, want %q", fetch+1, labels, japaneseLabels)
		}
		// The first fetch streams, finds Shift_JIS and fetches again
		// whole. From then on each fetch is one request.
		if n := requests.Load(); n != wantRequests {
			t.Errorf("after fetch %d: %d requests, want %d", fetch+1, n, wantRequests)
		}
	}
}

func TestHTTPChunkedBodyDecodedWhole(t *testing.T) {
	body := readSample(t, "nvidia-3rigs.json")
	now := time.Date(2017, 9, 9, 2, 42, 0, 0, time.UTC)
	url, requests := servePanel(t, body, true)

	fetchOnceMatchesDecode(t, httpSourceFor(t, url, now), body, now, requests)
}
