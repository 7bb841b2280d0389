package panel

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
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
	// SkipDetails leaves out what only a rig's detail screen shows: each
	// GPU's model, bus, video BIOS, memory type, clocks, power tune,
	// voltage, watts and memory size are left unknown. The alert rules
	// and farm totals read none of them, and a large panel decodes
	// faster without them.
	SkipDetails bool
}

// Fetch defaults.
const (
	DefaultTimeout      = 10 * time.Second
	DefaultMaxBodyBytes = 32 << 20
	DefaultUserAgent    = "rigtop (+https://github.com/rigtop/rigtop)"
)

// panelIDPattern matches a bare ethOS panel id, which is a DNS label.
var panelIDPattern = regexp.MustCompile(`^[A-Za-z0-9-]{1,63}$`)

// ParseSource turns a PANEL argument into a source: a URL (json=yes is added
// to its query), a bare panel id (http://ID.ethosdistro.com/), or the path
// of a saved JSON file. An argument that looks like a panel id but names an
// existing file is the file; the file is read again on every Fetch. Every source returned reports failures as
// *FetchError; the file source also uses opts.MaxBodyBytes and opts.Now.
func ParseSource(arg string, opts HTTPOptions) (Source, error) {
	name := Sanitize(arg)
	lower := strings.ToLower(arg)
	if strings.HasPrefix(lower, "http://") || strings.HasPrefix(lower, "https://") {
		panelURL, err := panelJSONURL(arg)
		if err != nil {
			return nil, fmt.Errorf("parse panel URL %q: %w", name, err)
		}
		return newHTTPSource(name, panelURL, opts), nil
	}

	info, statErr := os.Stat(arg)
	isFile := statErr == nil && !info.IsDir()
	if !isFile && panelIDPattern.MatchString(arg) {
		return newHTTPSource(name, "http://"+arg+".ethosdistro.com/?json=yes", opts), nil
	}
	if isFile {
		f, err := os.Open(arg)
		if err == nil {
			f.Close()
			return newFileSource(name, arg, opts), nil
		}
		statErr = err
	}

	reason := errors.New("it is a directory")
	if statErr != nil {
		reason = statErr
	}
	if strings.Contains(arg, "://") {
		reason = errors.New("only http:// and https:// URLs are supported")
	}
	return nil, fmt.Errorf("parse panel %q: not an http(s) URL, a panel id or a readable file (%w); "+
		"give the panel URL such as http://abc123.ethosdistro.com/, its bare id such as abc123, "+
		"or the path of a saved panel JSON file", name, reason)
}

// panelJSONURL checks an http or https URL and sets json=yes in its query,
// keeping every other parameter as written.
func panelJSONURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", err
	}
	if u.Host == "" {
		return "", errors.New("missing host")
	}
	u.Scheme = strings.ToLower(u.Scheme)
	u.Fragment = ""

	query := u.Query()
	switch {
	case query.Get("json") == "yes":
	case query.Has("json"):
		query.Set("json", "yes")
		u.RawQuery = query.Encode()
	case u.RawQuery == "":
		u.RawQuery = "json=yes"
	default:
		u.RawQuery += "&json=yes"
	}
	if u.Path == "" {
		u.Path = "/"
	}
	return u.String(), nil
}
