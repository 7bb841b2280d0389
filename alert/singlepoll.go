package alert

import "rigtop/panel"

// NewSinglePollMonitor returns a monitor that is polled once, as `rigtop
// check` does. It keeps no hash-rate history: the slow-GPU and hash-drop
// medians need samples from several polls, so on a single poll their alerts
// are undecided either way, and recording a large farm's samples would only
// cost time and memory. Everything else is as NewMonitor.
func NewSinglePollMonitor(sources []panel.Source, opts MonitorOptions) (*Monitor, error) {
	m, err := NewMonitor(sources, opts)
	if err != nil {
		return nil, err
	}
	m.rules.history.off = true
	return m, nil
}
