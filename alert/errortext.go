package alert

import (
	"errors"

	"rigtop/locale"
	"rigtop/panel"
)

// ErrorText returns a localized sentence for an error that reaches the
// operator. A panel fetch failure names the URL or file and what went
// wrong, and a config error names the key and the expected form. Delivery
// errors of the dispatcher and the desktop notifier get a sentence of their
// own. Any other error is returned as its own text. The result is always
// one line.
func ErrorText(p *locale.Printer, err error) string {
	if err == nil {
		return ""
	}
	switch {
	case errors.Is(err, ErrNoDesktopSession):
		return p.T("alert.error.no_desktop")
	case errors.Is(err, ErrQueueFull):
		return p.T("alert.error.queue_full")
	case errors.Is(err, ErrDispatcherClosed):
		return p.T("alert.error.dispatcher_closed")
	}
	var fe *panel.FetchError
	if errors.As(err, &fe) {
		return oneLine(fetchErrorText(p, fe))
	}
	var ce *ConfigError
	if errors.As(err, &ce) {
		return oneLine(ce.text(p))
	}
	var lt localizedText
	if errors.As(err, &lt) {
		return oneLine(lt.Text(p))
	}
	return oneLine(p.T("alert.error.generic", "Error", err.Error()))
}

// localizedText is an error that renders itself in any language, such as
// the mail notifier's errors. Notifier packages import alert, so they are
// reached through this interface rather than by type.
type localizedText interface {
	error
	Text(p *locale.Printer) string
}

// fetchErrorIDs maps each fetch error kind to its message. Kinds with a byte
// offset have a second message, suffixed "_at", used when the offset is known.
var fetchErrorIDs = map[panel.ErrorKind]string{
	panel.KindRefused:         "refused",
	panel.KindDNS:             "dns",
	panel.KindTimeout:         "timeout",
	panel.KindTLS:             "tls",
	panel.KindHTTPStatus:      "http_status",
	panel.KindRedirect:        "redirect",
	panel.KindClosed:          "closed",
	panel.KindHTML:            "html",
	panel.KindEmpty:           "empty",
	panel.KindTruncated:       "truncated",
	panel.KindTooLarge:        "too_large",
	panel.KindInvalidJSON:     "invalid_json",
	panel.KindInvalidEncoding: "invalid_encoding",
	panel.KindNotPanel:        "not_panel",
	panel.KindCanceled:        "canceled",
	panel.KindNotFound:        "not_found",
	panel.KindUnreadable:      "unreadable",
}

func fetchErrorText(p *locale.Printer, fe *panel.FetchError) string {
	url := panel.Sanitize(fe.URL)
	id, ok := fetchErrorIDs[fe.Kind]
	if !ok {
		detail := fe.Kind.String()
		if fe.Err != nil {
			detail = fe.Err.Error()
		}
		return p.T("alert.error.failed", "URL", url, "Error", detail)
	}
	switch fe.Kind {
	case panel.KindTruncated, panel.KindInvalidJSON, panel.KindInvalidEncoding:
		if fe.Offset >= 0 {
			id += "_at"
		}
	}
	return p.T("alert.error."+id, "URL", url, "Status", fe.Status, "Offset", fe.Offset)
}
