package panel

// Condition is the state the panel server computed for a rig. Only the
// values below are attested; any other string is kept verbatim and treated
// as an unknown condition.
type Condition string

// The attested ethOS conditions.
const (
	Mining       Condition = "mining"
	JustBooted   Condition = "just_booted"
	Throttle     Condition = "throttle"
	AutoRebooted Condition = "autorebooted"
	HighLoad     Condition = "high_load"
	Unreachable  Condition = "unreachable"
	StuckMiners  Condition = "stuck_miners"
	NoHash       Condition = "no_hash"
	Overheat     Condition = "overheat"
)

// Health is the severity class of a condition.
type Health int

// Health levels, from best to worst. Unknown sorts with failures because an
// unrecognised condition is counted as a problem.
const (
	Healthy Health = iota
	Transitional
	Degraded
	Failure
	UnknownHealth
)

// Health returns how bad the condition is.
func (c Condition) Health() Health {
	switch c {
	case Mining:
		return Healthy
	case JustBooted:
		return Transitional
	case Throttle, AutoRebooted, HighLoad:
		return Degraded
	case Unreachable, StuckMiners, NoHash, Overheat:
		return Failure
	default:
		return UnknownHealth
	}
}

// Known reports whether c is one of the attested conditions.
func (c Condition) Known() bool { return c.Health() != UnknownHealth }

// Down reports whether a rig in this condition is not mining at all or not
// reporting, so that its GPU-level readings mean nothing.
func (c Condition) Down() bool {
	switch c {
	case Unreachable, NoHash, Overheat:
		return true
	}
	return false
}
