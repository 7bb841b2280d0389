package panel

import (
	"fmt"
	"net/http"
	"strings"
)

// ErrorKind classifies why a source could not be read, so that callers can
// explain it in the operator's language; FetchError.Error keeps the English
// text for logs.
type ErrorKind int

// The error kinds. KindOther is anything not recognised.
const (
	KindOther ErrorKind = iota
	// KindRefused: nothing listens at the address (ECONNREFUSED).
	KindRefused
	// KindDNS: the host name could not be resolved.
	KindDNS
	// KindTimeout: no complete response within the timeout.
	KindTimeout
	// KindTLS: the TLS handshake or certificate check failed.
	KindTLS
	// KindHTTPStatus: the server responded with a status other than 2xx.
	KindHTTPStatus
	// KindRedirect: too many redirects, or one to a scheme other than http or https.
	KindRedirect
	// KindClosed: the server closed or reset the connection before responding.
	KindClosed
	// KindHTML: the body is an HTML page, not JSON.
	KindHTML
	// KindEmpty: the body is empty or only white space.
	KindEmpty
	// KindTruncated: the body ends early (connection cut, short Content-Length,
	// or JSON that stops inside a value).
	KindTruncated
	// KindTooLarge: the body is larger than the size cap.
	KindTooLarge
	// KindInvalidJSON: the body is not valid JSON.
	KindInvalidJSON
	// KindInvalidEncoding: the body is not UTF-8, Shift_JIS, EUC-JP or ISO-2022-JP.
	KindInvalidEncoding
	// KindNotPanel: valid JSON, but not a panel document (no "rigs" object).
	KindNotPanel
	// KindCanceled: the caller's context was canceled.
	KindCanceled
	// KindNotFound: the file does not exist.
	KindNotFound
	// KindUnreadable: the file exists but could not be read.
	KindUnreadable
)

var kindNames = [...]string{
	KindOther:           "other",
	KindRefused:         "refused",
	KindDNS:             "dns",
	KindTimeout:         "timeout",
	KindTLS:             "tls",
	KindHTTPStatus:      "http_status",
	KindRedirect:        "redirect",
	KindClosed:          "closed",
	KindHTML:            "html",
	KindEmpty:           "empty",
	KindTruncated:       "truncated",
	KindTooLarge:        "too_large",
	KindInvalidJSON:     "invalid_json",
	KindInvalidEncoding: "invalid_encoding",
	KindNotPanel:        "not_panel",
	KindCanceled:        "canceled",
	KindNotFound:        "not_found",
	KindUnreadable:      "unreadable",
}

// String returns the kind's stable snake_case name, such as "refused" or
// "http_status", suitable as part of a message catalogue id.
func (k ErrorKind) String() string {
	if k >= 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("ErrorKind(%d)", int(k))
}

// FetchError is a source that could not be read or decoded. Every error
// returned by a Source's Fetch is a *FetchError.
type FetchError struct {
	// URL is the URL fetched, or the file path for a file source.
	URL  string
	Kind ErrorKind
	// Status is the HTTP status code when a response arrived, else 0.
	Status int
	// Offset is the byte offset of the problem in the body for
	// KindInvalidJSON, KindInvalidEncoding and KindTruncated, else -1.
	Offset int64
	// Err is the underlying error, if any.
	Err error
}

// Error returns an English description naming the URL or path, such as
// "fetch http://x/?json=yes: connection refused".
func (e *FetchError) Error() string {
	op := "fetch "
	if !strings.Contains(e.URL, "://") {
		op = "read "
	}
	return op + e.URL + ": " + e.describe()
}

func (e *FetchError) describe() string {
	detail := func(prefix string) string {
		if e.Err == nil {
			return prefix
		}
		return prefix + ": " + e.Err.Error()
	}

	switch e.Kind {
	case KindRefused:
		return "connection refused"
	case KindDNS:
		return detail("DNS lookup failed")
	case KindTimeout:
		return detail("timed out")
	case KindTLS:
		return detail("TLS handshake failed")
	case KindHTTPStatus:
		return fmt.Sprintf("HTTP status %d %s", e.Status, http.StatusText(e.Status))
	case KindClosed:
		return "connection closed by the server before a response"
	case KindCanceled:
		return "canceled"
	case KindNotFound:
		return "file not found"
	case KindUnreadable:
		return detail("file not readable")
	}
	if e.Err == nil {
		return e.Kind.String()
	}
	return e.Err.Error()
}

// Unwrap returns the underlying error.
func (e *FetchError) Unwrap() error { return e.Err }

// DecodeError is a body that could not be decoded as a panel document at
// all. Decode returns it; sources wrap it in a FetchError of the same Kind.
type DecodeError struct {
	// Kind is KindEmpty, KindHTML, KindInvalidEncoding, KindInvalidJSON,
	// KindTruncated or KindNotPanel.
	Kind ErrorKind
	// Offset is the byte offset of the problem, -1 when it has none. For a
	// body converted from a Japanese encoding, a JSON error's offset counts
	// bytes of the converted UTF-8 text.
	Offset int64
	Msg    string
}

func (e *DecodeError) Error() string { return e.Msg }
