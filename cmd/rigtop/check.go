package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"runtime/debug"
	"slices"
	"strings"
	"sync"

	"rigtop/alert"
	"rigtop/locale"
	"rigtop/panel"
)

// checkStatus is a result in the monitoring-plugin convention (Nagios,
// Icinga, Sensu): the value is the exit code.
type checkStatus int

// Plugin results.
const (
	checkOK       checkStatus = 0
	checkWarning  checkStatus = 1
	checkCritical checkStatus = 2
	checkUnknown  checkStatus = 3
)

// String returns the status word the plugin convention uses, the same in
// every language: monitoring systems match it.
func (s checkStatus) String() string {
	switch s {
	case checkOK:
		return "OK"
	case checkWarning:
		return "WARNING"
	case checkCritical:
		return "CRITICAL"
	}
	return "UNKNOWN"
}

// rank orders statuses for picking the worst: a critical problem outranks
// an unknown one, because it is known to need action, and both outrank a
// warning.
func (s checkStatus) rank() int {
	switch s {
	case checkWarning:
		return 1
	case checkUnknown:
		return 2
	case checkCritical:
		return 3
	}
	return 0
}

func worse(a, b checkStatus) checkStatus {
	if b.rank() > a.rank() {
		return b
	}
	return a
}

// runCheck is `rigtop check [--json] PANEL...`: one poll through the same
// monitor as the other commands, so the rules agree, then a summary line
// and one line per problem. It sends no notification and saves no state.
func runCheck(ctx context.Context, e *env, args []string) int {
	defer collectOnlyNearLimit()()

	c := newCommandLine(e, "check", args, int(checkUnknown))
	f := c.addPollFlags()
	var asJSON bool
	c.fs.BoolVar(&asJSON, "json", false, "cmd.flag.json")
	panels, code, done := c.parse(args)
	if done {
		return code
	}

	s, err := c.loadSettings(f, panels, settingsOptions{noState: true})
	if err != nil {
		return c.failSettings(err)
	}
	if len(s.Panels) == 0 {
		return c.usageError(c.p.T("cmd.error.no_panels"))
	}
	log, err := openLog(s.LogPath, s.LogLevel)
	if err != nil {
		return c.fail(int(checkUnknown), errorText(c.p, err))
	}
	defer log.Close()
	sources, err := c.buildSources(s)
	if err != nil {
		return c.failSettings(err)
	}
	monitor, err := alert.NewSinglePollMonitor(sources, alert.MonitorOptions{
		Config:  s.Alerts,
		Now:     e.now,
		Logger:  log.Logger,
		Printer: c.p,
	})
	if err != nil {
		return c.fail(int(checkUnknown), errorText(c.p, err))
	}

	bound := fetchBound(s.Timeout)
	ctx, cancel := context.WithTimeout(ctx, bound)
	defer cancel()
	cycle := monitor.Poll(ctx)

	var report *checkReport
	if ctx.Err() != nil {
		// The monitor evaluates nothing when its context ends, so the cycle
		// would look like a farm with no problems.
		report = newEmptyReport(checkUnknown, c.p.T("cmd.check.interrupted",
			"Status", c.p.T("cmd.check.status.unknown"), "Limit", shortDuration(bound)))
	} else {
		report = newCheckReport(c.p, cycle)
	}
	log.Info(c.p.T("cmd.log.check_done"), "status", report.Status, "problems", len(report.Problems))
	report.write(e.stdout, asJSON)
	return report.ExitCode
}

// checkReport is the outcome of a check, printed as text or as JSON.
type checkReport struct {
	Status   string `json:"status"`
	ExitCode int    `json:"exit_code"`
	// Summary is the first line of the text output, in the operator's
	// language.
	Summary     string         `json:"summary"`
	RigsUp      int            `json:"rigs_up"`
	RigsTotal   int            `json:"rigs_total"`
	GPUsHashing int            `json:"gpus_hashing"`
	GPUsTotal   int            `json:"gpus_total"`
	Hash        []checkHash    `json:"hash"`
	Panels      []checkPanel   `json:"panels"`
	Problems    []checkProblem `json:"problems"`
}

// checkHash is the total hash rate of the rigs that report in one unit.
type checkHash struct {
	Unit  string  `json:"unit"`
	Value float64 `json:"value"`
}

// checkPanel is one source and whether it could be read.
type checkPanel struct {
	Name  string `json:"name"`
	OK    bool   `json:"ok"`
	Error string `json:"error,omitempty"`
}

// checkProblem is one problem that holds now, pending or firing.
type checkProblem struct {
	Key      string `json:"key"`
	Severity string `json:"severity"`
	Kind     string `json:"kind"`
	Panel    string `json:"panel"`
	Rig      string `json:"rig,omitempty"`
	Label    string `json:"label,omitempty"`
	GPU      *int   `json:"gpu,omitempty"`
	Summary  string `json:"summary"`

	status checkStatus
	line   string
	// inSummary is set on the problem whose text the summary line already
	// gives, so that the text output does not repeat it.
	inSummary bool
}

// checkMemoryLimit is the heap size from which check collects garbage.
// A 5,000-rig panel allocates about 16 MB in all, so a check of a farm
// that size never collects.
const checkMemoryLimit = 64 << 20

// collectOnlyNearLimit turns the garbage collector off until the heap
// nears checkMemoryLimit, and returns the function that restores the
// previous settings. check runs once and exits, so collecting what it
// frees costs time for nothing: about 10 ms of the 80 ms a 5,000-rig check
// took. The limit still bounds the memory of a much larger panel.
func collectOnlyNearLimit() (restore func()) {
	limit := debug.SetMemoryLimit(checkMemoryLimit)
	percent := debug.SetGCPercent(-1)
	return func() {
		debug.SetGCPercent(percent)
		debug.SetMemoryLimit(limit)
	}
}

// newEmptyReport returns a report with only a status and a summary.
func newEmptyReport(status checkStatus, summary string) *checkReport {
	return &checkReport{
		Status:   status.String(),
		ExitCode: int(status),
		Summary:  summary,
		Panels:   []checkPanel{},
		Problems: []checkProblem{},
		Hash:     []checkHash{},
	}
}

// write prints the report: as one JSON document, or as the summary line
// and one line per problem.
func (r *checkReport) write(w io.Writer, asJSON bool) {
	if asJSON {
		out, _ := json.MarshalIndent(r, "", "  ")
		fmt.Fprintln(w, string(out))
		return
	}
	fmt.Fprintln(w, r.Summary)
	for _, p := range r.Problems {
		if !p.inSummary {
			fmt.Fprintln(w, p.line)
		}
	}
}

// newCheckReport sums up one poll. Every alert that holds now counts,
// pending ones too: a single poll has no history to wait on.
func newCheckReport(p *locale.Printer, cycle alert.Cycle) *checkReport {
	r := newEmptyReport(checkOK, "")
	status := checkOK

	var failed []alert.PanelStatus
	for _, ps := range cycle.Panels {
		panelResult := checkPanel{Name: ps.Name, OK: ps.Err == nil}
		if ps.Err != nil {
			panelResult.Error = alert.ErrorText(p, ps.Err)
			failed = append(failed, ps)
		}
		r.Panels = append(r.Panels, panelResult)
	}

	// The rigs are counted while the problems are described, which for a
	// large farm with many problems takes a few milliseconds each.
	var counted sync.WaitGroup
	counted.Go(func() { r.countRigs(cycle.Rigs, cycle.Alerts) })
	for _, a := range cycle.Alerts {
		if a.State == alert.StateResolved || a.Severity == alert.SeverityNone {
			continue
		}
		problem := newCheckProblem(p, a)
		status = worse(status, problem.status)
		r.Problems = append(r.Problems, problem)
	}
	counted.Wait()
	for _, ps := range failed {
		status = worse(status, checkUnknown)
		if !hasSourceProblem(r.Problems, ps.Name) {
			r.Problems = append(r.Problems, sourceProblem(p, ps))
		}
	}
	slices.SortStableFunc(r.Problems, func(a, b checkProblem) int { return b.status.rank() - a.status.rank() })

	r.Status = status.String()
	r.ExitCode = int(status)
	r.Summary = r.summary(p, status, failed)
	return r
}

func newCheckProblem(p *locale.Printer, a alert.Alert) checkProblem {
	status := checkWarning
	switch a.Severity {
	case alert.SeverityCritical:
		status = checkCritical
	case alert.SeverityUnknown:
		status = checkUnknown
	}
	problem := checkProblem{
		Key:      a.Key.String(),
		Severity: severityID(a.Severity),
		Kind:     string(a.Key.Kind),
		Panel:    a.Key.Panel,
		Rig:      a.Key.RigID,
		Label:    a.RigLabel,
		Summary:  alert.Describe(p, a),
		status:   status,
	}
	if a.Key.GPU != alert.NoGPU {
		gpu := a.Key.GPU
		problem.GPU = &gpu
	}
	problem.line = alert.SeverityName(p, a.Severity) + ": " + problem.Summary
	return problem
}

// sourceProblem reports a panel that failed on this poll. The monitor
// raises its own alert for it only after stale_after, so check adds it.
func sourceProblem(p *locale.Printer, ps alert.PanelStatus) checkProblem {
	key := alert.Key{Panel: ps.Name, GPU: alert.NoGPU, Kind: alert.KindUnreachable}
	summary := alert.ErrorText(p, ps.Err)
	return checkProblem{
		Key:      key.String(),
		Severity: severityID(alert.SeverityUnknown),
		Kind:     string(alert.KindUnreachable),
		Panel:    ps.Name,
		Summary:  summary,
		status:   checkUnknown,
		line:     alert.SeverityName(p, alert.SeverityUnknown) + ": " + summary,
	}
}

func hasSourceProblem(problems []checkProblem, panelName string) bool {
	for _, problem := range problems {
		if problem.Kind == string(alert.KindUnreachable) && problem.Panel == panelName {
			return true
		}
	}
	return false
}

// severityID returns the severity's stable name for JSON.
func severityID(s alert.Severity) string {
	switch s {
	case alert.SeverityWarning:
		return "warning"
	case alert.SeverityCritical:
		return "critical"
	case alert.SeverityUnknown:
		return "unknown"
	}
	return "none"
}

// countRigs sums the rigs as the monitor's header does: a rig is up unless
// its condition means it is down or it stopped reporting, and only the
// GPUs and hash rate of rigs that are up count.
func (r *checkReport) countRigs(rigs []panel.Rig, alerts []alert.Alert) {
	notReporting := alert.NotReporting(alerts)
	byUnit := map[string]float64{}
	// Most rigs of a farm run the same miner as the rig before them.
	var lastMiner, lastUnit string
	for i := range rigs {
		rig := &rigs[i]
		r.RigsTotal++
		if rig.GPUsDetected.Known {
			r.GPUsTotal += rig.GPUsDetected.Value
		}
		if rig.Condition.Down() || notReporting[[2]string{rig.Panel, rig.ID}] {
			continue
		}
		r.RigsUp++
		if rig.GPUsHashing.Known {
			r.GPUsHashing += rig.GPUsHashing.Value
		}
		// A negative rate, which no working miner reports, would lower
		// the farm's total.
		if rig.Hash.Known && rig.Hash.Value > 0 {
			if rig.Miner != lastMiner || lastUnit == "" {
				lastMiner, lastUnit = rig.Miner, alert.HashUnit(rig.Miner)
			}
			byUnit[lastUnit] += rig.Hash.Value
		}
	}
	for unit, value := range byUnit {
		r.Hash = append(r.Hash, checkHash{Unit: unit, Value: math.Round(value*100) / 100})
	}
	slices.SortFunc(r.Hash, func(a, b checkHash) int { return strings.Compare(a.Unit, b.Unit) })
}

// summary returns the first line: the status, then the rig, GPU and hash
// totals, or the error when no panel could be read.
func (r *checkReport) summary(p *locale.Printer, status checkStatus, failed []alert.PanelStatus) string {
	word := p.T("cmd.check.status." + strings.ToLower(status.String()))
	if r.RigsTotal == 0 && len(failed) > 0 {
		for i := range r.Problems {
			if r.Problems[i].Kind == string(alert.KindUnreachable) && r.Problems[i].Panel == failed[0].Name {
				r.Problems[i].inSummary = true
				break
			}
		}
		return p.T("cmd.check.summary_failed", "Status", word, "Error", alert.ErrorText(p, failed[0].Err))
	}

	hashes := make([]string, 0, len(r.Hash))
	for _, h := range r.Hash {
		hashes = append(hashes, fmt.Sprintf("%.2f %s", h.Value, h.Unit))
	}
	hash := strings.Join(hashes, p.T("cmd.check.list_separator"))
	if hash == "" {
		hash = p.T("cmd.check.no_hash")
	}
	return p.T("cmd.check.summary", "Status", word,
		"RigsUp", r.RigsUp, "Rigs", r.RigsTotal,
		"GPUsHashing", r.GPUsHashing, "GPUs", r.GPUsTotal,
		"Hash", hash)
}
