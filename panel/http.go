package panel

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// maxRedirects is how many redirects a fetch follows before giving up.
const maxRedirects = 5

// httpSource fetches a panel's JSON over HTTP.
type httpSource struct {
	name    string
	url     string
	client  *http.Client
	timeout time.Duration
	maxBody int64
	agent   string
	now     func() time.Time
	decode  decodeSettings
	// wholeBodies is set once a body needed the whole-body decoder.
	wholeBodies atomic.Bool
}

func newHTTPSource(name, panelURL string, opts HTTPOptions) *httpSource {
	s := &httpSource{
		name:    name,
		url:     panelURL,
		timeout: cmpOr(opts.Timeout, DefaultTimeout),
		maxBody: cmpOr(opts.MaxBodyBytes, DefaultMaxBodyBytes),
		agent:   cmpOr(opts.UserAgent, DefaultUserAgent),
		now:     opts.Now,
		decode:  decodeSettings{source: name, skipDetails: opts.SkipDetails},
	}
	if s.now == nil {
		s.now = time.Now
	}

	// A copy, so that the redirect policy does not change the caller's client.
	client := http.Client{}
	if opts.Client != nil {
		client = *opts.Client
	}
	if client.CheckRedirect == nil {
		client.CheckRedirect = checkRedirect
	}
	s.client = &client
	return s
}

func cmpOr[T comparable](v, fallback T) T {
	var zero T
	if v == zero {
		return fallback
	}
	return v
}

// errRedirect marks a redirect that was not followed.
var errRedirect = errors.New("redirect not followed")

func checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > maxRedirects {
		return fmt.Errorf("%w: stopped after %d redirects", errRedirect, maxRedirects)
	}
	if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
		return fmt.Errorf("%w: redirect to %s: only http and https are followed", errRedirect, Sanitize(req.URL.Redacted()))
	}
	return nil
}

// Name implements Source.
func (s *httpSource) Name() string { return s.name }

// Fetch implements Source. Every error is a *FetchError naming the URL.
//
// A body of known length is decoded as it arrives, so that a large panel
// is never in memory whole. A body the stream does not handle is fetched
// again and decoded whole: a Japanese legacy encoding, an ESC byte that may
// start ISO-2022-JP, or invalid UTF-8. From then on this source reads every
// body whole, because a panel keeps its encoding.
func (s *httpSource) Fetch(ctx context.Context) (Snapshot, error) {
	if !s.wholeBodies.Load() {
		snap, err, whole := s.fetch(ctx, true)
		if !whole {
			return snap, err
		}
		s.wholeBodies.Store(true)
	}
	snap, err, _ := s.fetch(ctx, false)
	return snap, err
}

// fetch performs one request within the timeout. With stream set it
// decodes a body of known length as it reads it, and returns whole=true
// when the body must be fetched again and decoded whole.
func (s *httpSource) fetch(parent context.Context, stream bool) (snap Snapshot, err error, whole bool) {
	ctx, cancel := context.WithTimeout(parent, s.timeout)
	defer cancel()

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.url, nil)
	if err != nil {
		return Snapshot{}, s.fail(KindOther, 0, err), false
	}
	req.Header.Set("User-Agent", s.agent)
	req.Header.Set("Accept", "application/json, text/html;q=0.9, */*;q=0.5")

	resp, err := s.client.Do(req)
	if err != nil {
		return Snapshot{}, s.classify(parent, err, 0, -1), false
	}
	defer resp.Body.Close()

	status := resp.StatusCode
	if status < 200 || status > 299 {
		fe := s.fail(KindHTTPStatus, status, nil)
		if delay, ok := retryAfter(resp.Header, s.now()); ok {
			fe.Err = &RetryAfterError{Delay: delay}
		}
		return Snapshot{}, fe, false
	}
	if resp.ContentLength > s.maxBody {
		return Snapshot{}, s.tooLarge(status), false
	}

	if stream && resp.ContentLength > 0 {
		in := &textStream{r: resp.Body, size: resp.ContentLength, limit: s.maxBody, partBytes: streamPartBytes}
		snap, err, whole := decodeFrom(in, nil, s.decode, s.now)
		switch {
		case in.overLimit:
			return Snapshot{}, s.tooLarge(status), false
		case in.err != nil:
			return Snapshot{}, s.classify(parent, in.err, status, in.read), false
		case whole:
			return Snapshot{}, nil, true
		case err != nil:
			return Snapshot{}, s.decodeError(err, status), false
		}
		return snap, nil, false
	}

	body, read, err := readBody(resp.Body, resp.ContentLength, s.maxBody)
	if errors.Is(err, errBodyTooLarge) {
		return Snapshot{}, s.tooLarge(status), false
	}
	if err != nil {
		return Snapshot{}, s.classify(parent, err, status, read), false
	}
	snap, err = decodeWhole(body, s.decode, s.now())
	if err != nil {
		return Snapshot{}, s.decodeError(err, status), false
	}
	return snap, nil, false
}

// errBodyTooLarge stops readBody one byte past the size cap.
var errBodyTooLarge = errors.New("body larger than the size cap")

// readBody reads a body of at most limit bytes into one slice of its
// length. It returns the body, the number of bytes read, and
// errBodyTooLarge as soon as more than limit bytes arrive. Until the end
// the body is kept in chunks, so an endless body costs about limit bytes
// and is never copied. contentLength, when not negative, sizes the first
// chunk to hold the whole body.
func readBody(r io.Reader, contentLength, limit int64) ([]byte, int64, error) {
	const firstChunk, maxChunk = 512, 1 << 20
	var chunks [][]byte
	var total int64
	// One byte more than the length lets the read that reports the end
	// happen without a new chunk.
	chunk := make([]byte, 0, max(min(contentLength, limit)+1, firstChunk))
	for {
		n, err := r.Read(chunk[len(chunk):cap(chunk)])
		chunk = chunk[:len(chunk)+n]
		total += int64(n)
		if total > limit {
			return nil, total, errBodyTooLarge
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, total, err
		}
		if len(chunk) == cap(chunk) {
			chunks = append(chunks, chunk)
			// total <= limit here, so the next chunk has room for a byte.
			chunk = make([]byte, 0, min(2*int64(cap(chunk)), maxChunk, limit+1-total))
		}
	}

	if len(chunks) == 0 {
		return chunk, total, nil
	}
	body := make([]byte, 0, total)
	for _, c := range chunks {
		body = append(body, c...)
	}
	return append(body, chunk...), total, nil
}

// RetryAfterError is the cause of a KindHTTPStatus FetchError whose
// response carried a Retry-After header, as 429 Too Many Requests and 503
// Service Unavailable responses may. The server requests that it is not
// fetched again for Delay.
type RetryAfterError struct {
	Delay time.Duration
}

func (e *RetryAfterError) Error() string { return "retry after " + e.Delay.String() }

// retryAfter reads a Retry-After header in either of its forms: a number of
// seconds, or an HTTP date. A date is measured against the response's own
// Date header when it has one, so that a server clock that is off does not
// matter, and against now otherwise. A date in the past is a delay of 0.
func retryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	value := strings.TrimSpace(h.Get("Retry-After"))
	if value == "" {
		return 0, false
	}
	if seconds, err := strconv.ParseInt(value, 10, 64); err == nil {
		if seconds < 0 {
			return 0, false
		}
		return time.Duration(min(seconds, math.MaxInt64/int64(time.Second))) * time.Second, true
	}

	at, err := http.ParseTime(value)
	if err != nil {
		return 0, false
	}
	if date, err := http.ParseTime(h.Get("Date")); err == nil {
		now = date
	}
	return max(at.Sub(now), 0), true
}

func (s *httpSource) fail(kind ErrorKind, status int, err error) *FetchError {
	return &FetchError{URL: s.url, Kind: kind, Status: status, Offset: -1, Err: err}
}

func (s *httpSource) tooLarge(status int) *FetchError {
	return s.fail(KindTooLarge, status, fmt.Errorf("response body larger than the %d-byte limit", s.maxBody))
}

func (s *httpSource) decodeError(err error, status int) *FetchError {
	fe := s.fail(KindOther, status, err)
	var de *DecodeError
	if errors.As(err, &de) {
		fe.Kind, fe.Offset = de.Kind, de.Offset
	}
	return fe
}

// classify turns a transport or body-read error into a FetchError. read is
// the number of body bytes received before the error, or -1 when it came
// before the response.
func (s *httpSource) classify(parent context.Context, err error, status int, read int64) *FetchError {
	fe := s.fail(kindOfNetError(parent, err), status, unwrapURLError(err))
	switch fe.Kind {
	case KindTimeout:
		fe.Err = fmt.Errorf("no complete response within %s", s.timeout)
	case KindTruncated:
		fe.Offset = read
		fe.Err = fmt.Errorf("body truncated: the connection ended after %d bytes: %w", read, fe.Err)
	case KindClosed:
		if read >= 0 {
			fe.Kind, fe.Offset = KindTruncated, read
			fe.Err = fmt.Errorf("body truncated: the connection ended after %d bytes: %w", read, fe.Err)
		}
	}
	return fe
}

// kindOfNetError classifies an error from http.Client.Do or from reading a
// response body. The caller's context is checked first, because a canceled
// request also shows up as a closed connection.
func kindOfNetError(parent context.Context, err error) ErrorKind {
	if parent.Err() != nil {
		if errors.Is(parent.Err(), context.DeadlineExceeded) {
			return KindTimeout
		}
		return KindCanceled
	}

	var dnsErr *net.DNSError
	var netErr net.Error
	switch {
	case errors.Is(err, errRedirect):
		return KindRedirect
	case errors.As(err, &dnsErr):
		return KindDNS
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return KindTimeout
	case errors.Is(err, context.Canceled):
		return KindCanceled
	case errors.Is(err, syscall.ECONNREFUSED):
		return KindRefused
	case isTLSError(err):
		return KindTLS
	case errors.Is(err, io.ErrUnexpectedEOF):
		return KindTruncated
	case errors.Is(err, io.EOF), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return KindClosed
	}
	return KindOther
}

func isTLSError(err error) bool {
	var recordErr tls.RecordHeaderError
	var alertErr tls.AlertError
	var verifyErr *tls.CertificateVerificationError
	var authorityErr x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalidErr x509.CertificateInvalidError
	switch {
	case errors.As(err, &recordErr), errors.As(err, &alertErr), errors.As(err, &verifyErr),
		errors.As(err, &authorityErr), errors.As(err, &hostErr), errors.As(err, &invalidErr):
		return true
	}
	// NOTE: crypto/tls returns many handshake failures as plain errors whose
	// text starts with "tls: ", and net/http reports a plain-HTTP response
	// to an https URL as a plain error too. No type matches them.
	msg := err.Error()
	return strings.Contains(msg, "tls: ") || strings.Contains(msg, "server gave HTTP response to HTTPS client")
}

// unwrapURLError drops the *url.Error layer, whose text repeats the method
// and URL that FetchError already names.
func unwrapURLError(err error) error {
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		return urlErr.Err
	}
	return err
}
