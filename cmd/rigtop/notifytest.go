package main

import (
	"context"
	"fmt"
	"time"

	"rigtop/alert"
)

// notifyTestTimeout bounds the test send through one channel.
const notifyTestTimeout = 30 * time.Second

// runNotifyTest is `rigtop notify-test`: one test notification through
// every configured channel, tried once each without the dispatcher's
// retries, with each channel's result printed. It exits 0 when every
// channel worked and 1 when one failed or none is configured.
func runNotifyTest(ctx context.Context, e *env, args []string) int {
	c := newCommandLine(e, "notify-test", args, exitUsage)
	f := &pollFlags{}
	c.fs.StringVar(&f.config, "config", "", "cmd.flag.config")
	c.fs.StringVar(&f.log, "log", "", "cmd.flag.log")
	c.fs.StringVar(&f.logLevel, "log-level", "info", "cmd.flag.log_level")
	c.fs.BoolVar(&f.noDesktop, "no-desktop", false, "cmd.flag.no_desktop")
	positional, code, done := c.parse(args)
	if done {
		return code
	}
	if len(positional) > 0 {
		return c.usageError(c.p.T("cmd.error.no_args", "Command", c.command()))
	}

	s, err := c.loadSettings(f, nil, settingsOptions{readSecrets: true, noState: true})
	if err != nil {
		return c.failSettings(err)
	}
	log, err := openLog(s.LogPath, s.LogLevel)
	if err != nil {
		return c.fail(exitError, errorText(c.p, err))
	}
	defer log.Close()
	c.logWarnings(log, s.Warnings, true)

	notifiers, err := c.buildNotifiers(s, log.Logger)
	if err != nil {
		return c.fail(exitError, errorText(c.p, err))
	}
	if len(notifiers) == 0 {
		return c.fail(exitError, c.p.T("cmd.notify_test.none"))
	}

	n := alert.Notification{At: e.now(), Test: true}
	failed := 0
	for _, notifier := range notifiers {
		sendCtx, cancel := context.WithTimeout(ctx, notifyTestTimeout)
		_, err := notifier.Notify(sendCtx, n)
		cancel()
		if err != nil {
			failed++
			text := errorText(c.p, err)
			fmt.Fprintln(e.stdout, c.p.T("cmd.notify_test.failed", "Channel", notifier.Name(), "Error", text))
			log.Error(c.p.T("cmd.log.notify_test_failed"), "channel", notifier.Name(), "error", text)
			continue
		}
		fmt.Fprintln(e.stdout, c.p.T("cmd.notify_test.ok", "Channel", notifier.Name()))
		log.Info(c.p.T("cmd.log.notify_test_ok"), "channel", notifier.Name())
	}
	if failed > 0 {
		return exitError
	}
	return exitOK
}
