package mail

import (
	"crypto/rand"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode"

	gomail "github.com/wneessen/go-mail"

	"rigtop/alert"
	"rigtop/locale"
)

// message builds the mail for one notification: UTF-8 throughout, the
// subject encoded per RFC 2047, and the body quoted-printable for English
// or base64 for Japanese, whose 3-byte characters quoted-printable would
// write as 9 bytes each.
func (n *Notifier) message(notification alert.Notification) (*gomail.Msg, error) {
	encoding := gomail.EncodingQP
	if n.printer.Japanese() {
		encoding = gomail.EncodingB64
	}
	m := gomail.NewMsg(gomail.WithCharset(gomail.CharsetUTF8), gomail.WithEncoding(encoding),
		gomail.WithNoDefaultUserAgent())
	if err := m.From(n.cfg.From); err != nil {
		return nil, &ConfigError{Key: "from", Value: n.cfg.From, Expected: expectAddress, printer: n.printer}
	}
	if err := m.To(n.cfg.To...); err != nil {
		return nil, &ConfigError{Key: "to", Value: strings.Join(n.cfg.To, ", "), Expected: expectAddress, printer: n.printer}
	}

	at := notification.At
	if at.IsZero() {
		at = n.now()
	}
	m.Subject(headerText(subject(n.printer, notification)))
	m.SetDateWithValue(at)
	m.SetMessageIDWithValue(rand.Text() + "@" + n.messageIDDomain)
	m.SetUserAgent("rigtop")
	// Auto-Submitted (RFC 3834) and X-Auto-Response-Suppress stop vacation
	// auto-replies and read receipts for an alert.
	m.SetGenHeader("Auto-Submitted", "auto-generated")
	m.SetGenHeader(gomail.HeaderXAutoResponseSuppress, "All")
	// Text in canonical form ends its lines with CRLF (RFC 2045), also
	// inside base64, which go-mail encodes as given.
	m.SetBodyString(gomail.TypeTextPlain, strings.ReplaceAll(n.body(notification, at), "\n", "\r\n"))
	return m, nil
}

// subject returns "[rigtop] CRITICAL: " and the notification's headline, with
// the worst severity that fired. Resolution alone is headed by the
// headline, which already starts with "Recovered:".
func subject(p *locale.Printer, n alert.Notification) string {
	if n.Test {
		return p.T("mail.subject.test")
	}
	headline := alert.Headline(p, n)
	if len(n.Firing) == 0 {
		return p.T("mail.subject.resolved", "Headline", headline)
	}
	worst := alert.SeverityWarning
	for _, a := range n.Firing {
		worst = max(worst, a.Severity)
	}
	id := "mail.subject.warning"
	switch worst {
	case alert.SeverityCritical:
		id = "mail.subject.critical"
	case alert.SeverityUnknown:
		id = "mail.subject.unknown"
	}
	return p.T(id, "Headline", headline)
}

// body returns the text of the mail: every alert as alert.Body lists it,
// the panels involved with the address to open each one, and a last line
// saying which rigtop sent it and when.
func (n *Notifier) body(notification alert.Notification, at time.Time) string {
	p := n.printer
	var b strings.Builder
	b.WriteString(alert.Body(p, notification))
	b.WriteString("\n")

	if notification.Test {
		b.WriteString(p.T("mail.body.route", "Server", n.server, "TLS", p.T("mail.tls."+string(n.cfg.TLS)),
			"Recipients", strings.Join(n.cfg.To, p.T("mail.body.list_separator"))))
		b.WriteString("\n\n")
	}

	if panels := panelLinks(notification); len(panels) > 0 {
		b.WriteString(p.N("mail.body.panels", len(panels)) + "\n")
		for _, link := range panels {
			b.WriteString("  " + link + "\n")
		}
		b.WriteString("\n")
	}

	b.WriteString("-- \n")
	b.WriteString(p.T("mail.body.footer", "Host", n.hostname, "Time", at.Format("2006-01-02 15:04 MST")))
	b.WriteString("\n")
	return b.String()
}

// panelLinks returns the address of every panel a notification concerns,
// in order of first mention.
func panelLinks(n alert.Notification) []string {
	var links []string
	seen := map[string]bool{}
	for _, a := range append(append([]alert.Alert(nil), n.Firing...), n.Resolved...) {
		link := panelLink(a.Key.Panel)
		if link == "" || seen[link] {
			continue
		}
		seen[link] = true
		links = append(links, link)
	}
	return links
}

// panelID matches a bare ethOS panel id, which is a DNS label.
var panelID = regexp.MustCompile(`^[A-Za-z0-9-]{1,63}$`)

// panelLink returns the address at which the operator can open a panel: a
// panel URL without any user name or password in it, the ethosdistro.com
// URL of a bare panel id, or a file path as it is.
//
// NOTE: a file named like a panel id is given the ethosdistro.com URL,
// because the alert keeps only the name the operator gave, not whether it
// named a file.
func panelLink(panel string) string {
	panel = oneLine(panel)
	if panelID.MatchString(panel) {
		return "http://" + panel + ".ethosdistro.com/"
	}
	u, err := url.Parse(panel)
	if err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
		u.User = nil
		return u.String()
	}
	return panel
}

// headerText returns s on one line with every control character, line or
// paragraph separator and bidirectional control removed and runs of spaces
// collapsed, so that text from a panel cannot add a header or hide part of
// the subject.
func headerText(s string) string {
	return strings.Join(strings.Fields(oneLine(s)), " ")
}

// oneLine replaces control characters, line and paragraph separators and
// bidirectional controls with spaces.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case unicode.IsControl(r), r == '\u2028', r == '\u2029', unicode.Is(unicode.Bidi_Control, r):
			return ' '
		}
		return r
	}, s)
}
