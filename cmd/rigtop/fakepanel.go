package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"rigtop/panel"
)

// defaultListen is the fake panel's address: loopback only, so that it is
// never reachable from the network by accident.
const defaultListen = "127.0.0.1:8080"

// runFakePanel is `rigtop fakepanel`: the simulated farm, or a scripted
// scenario, served as panel JSON over HTTP until interrupted.
func runFakePanel(ctx context.Context, e *env, args []string) int {
	c := newCommandLine(e, "fakepanel", args, exitUsage)
	var listen, scenario string
	var allowRemote bool
	c.fs.StringVar(&listen, "listen", defaultListen, "cmd.flag.listen")
	c.fs.StringVar(&scenario, "scenario", "", "cmd.flag.scenario")
	c.fs.BoolVar(&allowRemote, "allow-remote", false, "cmd.flag.allow_remote")
	positional, code, done := c.parse(args)
	if done {
		return code
	}
	if len(positional) > 0 {
		return c.usageError(c.p.T("cmd.error.no_args", "Command", c.command()))
	}
	switch loopback, err := loopbackAddress(listen); {
	case err != nil:
		return c.usageError(c.p.T("cmd.error.listen_invalid", "Address", listen))
	case !loopback && !allowRemote:
		return c.usageError(c.p.T("cmd.error.listen_remote", "Address", listen))
	}

	handler, script, err := fakeHandler(scenario, e.now)
	if err != nil {
		return c.usageError(errorText(c.p, err))
	}
	listener, err := net.Listen("tcp", listen)
	if err != nil {
		return c.fail(exitError, errorText(c.p, err))
	}

	url := "http://" + listener.Addr().String() + "/"
	fmt.Fprintln(e.stdout, c.p.T("cmd.fakepanel.serving", "URL", url))
	if script != nil {
		fmt.Fprintln(e.stdout, c.p.T("cmd.fakepanel.scenario", "Name", panel.Sanitize(script.Name),
			"Polls", script.Polls(), "Description", panel.Sanitize(script.Description)))
	}
	fmt.Fprintln(e.stdout, c.p.T("cmd.fakepanel.try", "URL", url))

	server := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- server.Serve(listener) }()
	select {
	case err = <-served:
	case <-ctx.Done():
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err = server.Shutdown(shutdownCtx)
		cancel()
	}
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return c.fail(exitError, errorText(c.p, err))
	}
	fmt.Fprintln(e.stderr, c.p.T("cmd.fakepanel.stopped"))
	return exitOK
}

// loopbackAddress reports whether a host:port listen address is on the
// loopback interface: localhost, or an IP address in 127.0.0.0/8 or ::1.
// An empty host listens on every interface, so it is not loopback. Other
// host names are not looked up and count as not loopback.
func loopbackAddress(address string) (bool, error) {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return false, err
	}
	if strings.EqualFold(host, "localhost") {
		return true, nil
	}
	host, _, _ = strings.Cut(host, "%")
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback(), nil
}

// fakeHandler returns the HTTP handler serving the simulated farm, or the
// scenario named by nameOrFile (a file path, else a built-in name), and the
// scenario when there is one.
func fakeHandler(nameOrFile string, now func() time.Time) (http.Handler, *panel.Scenario, error) {
	if nameOrFile == "" {
		return panel.NewFakeServer(panel.NewDemoFarm(now()), now), nil, nil
	}
	scenario, err := panel.LoadScenario(nameOrFile)
	if err != nil {
		return nil, nil, err
	}
	return panel.NewScenarioServer(scenario), scenario, nil
}
