package panel

import "time"

// Farm is the simulated farm behind `rigtop demo` and `rigtop fakepanel`:
// about a dozen mixed NVIDIA and AMD rigs whose state is a pure function of
// the time elapsed since start, so that the same moment always renders the
// same panel.
type Farm struct {
	start time.Time
}

// NewDemoFarm returns the simulated farm starting at start.
func NewDemoFarm(start time.Time) *Farm { return &Farm{start: start} }

// PanelJSON renders the farm at now as an ethOS panel JSON document.
func (f *Farm) PanelJSON(now time.Time) []byte { panic("not implemented") }

// Source returns a Source that decodes PanelJSON at now(), named name.
func (f *Farm) Source(name string, now func() time.Time) Source { panic("not implemented") }
