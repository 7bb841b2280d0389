package panel

import (
	"net/http"
	"time"
)

// HTTPOptions configure how panels are fetched over HTTP.
type HTTPOptions struct {
	// Timeout bounds one whole fetch; 0 means DefaultTimeout.
	Timeout time.Duration
	// MaxBodyBytes caps the response body; 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// UserAgent is sent with every request; empty means DefaultUserAgent.
	UserAgent string
	// Client is used for requests when set; tests inject their own dialer here.
	Client *http.Client
	// Now is the local clock; nil means time.Now.
	Now func() time.Time
}

// Fetch defaults.
const (
	DefaultTimeout      = 10 * time.Second
	DefaultMaxBodyBytes = 32 << 20
	DefaultUserAgent    = "rigtop (+https://github.com/rigtop/rigtop)"
)

// ParseSource turns a PANEL argument into a source: a URL (json=yes is added
// to its query), a bare panel id (http://ID.ethosdistro.com/), or the path
// of a saved JSON file.
func ParseSource(arg string, opts HTTPOptions) (Source, error) {
	panic("not implemented")
}
