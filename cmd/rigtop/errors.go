package main

import (
	"errors"

	"rigtop/alert"
	"rigtop/locale"
)

// errorText returns err in the operator's language: config problems with
// their file, line and key, usage mistakes as written, and anything else
// through alert.ErrorText, which localizes panel fetch errors.
func errorText(p *locale.Printer, err error) string {
	var many configErrors
	if errors.As(err, &many) {
		return many.localize(p)
	}
	var one *configError
	if errors.As(err, &one) {
		return one.localize(p)
	}
	var usage *usageError
	if errors.As(err, &usage) {
		return usage.message
	}
	return alert.ErrorText(p, err)
}
