// Package panel reads a farm's status source, first the ethOS status panel
// JSON, into typed snapshots. It imports no other rigtop package.
package panel

import (
	"context"
	"time"
)

// Source is anything that can report the state of a farm.
type Source interface {
	// Name returns the label shown for this source: a panel URL, id or file path.
	Name() string
	// Fetch reads the farm once.
	Fetch(ctx context.Context) (Snapshot, error)
}

// Opt is a value reported by the panel, or unknown when the panel gave none
// or gave one that could not be parsed. An unknown value is never zero by
// accident: callers check Known.
type Opt[T ~int | ~int64 | ~float64] struct {
	Value T
	Known bool
}

// Some returns a known value.
func Some[T ~int | ~int64 | ~float64](v T) Opt[T] { return Opt[T]{Value: v, Known: true} }

// Snapshot is the farm as one source reported it at one poll.
type Snapshot struct {
	// Source is the name of the source that produced the snapshot.
	Source string
	// Rigs is sorted by rig id, so the order is stable from poll to poll.
	Rigs []Rig
	// RigErrors lists the rigs that could not be decoded; the others are in Rigs.
	RigErrors []RigError
	// PanelTime is the panel's own clock (per_info.*.current_time). When the
	// panel gives none it is the local clock at fetch time and PanelClockKnown is false.
	PanelTime       time.Time
	PanelClockKnown bool
	// FetchedAt is the local time the response was received.
	FetchedAt time.Time
	Totals    Totals
}

// Totals are the farm-wide sums the panel reports about itself.
type Totals struct {
	Hash           Opt[float64]
	AliveGPUs      Opt[int]
	TotalGPUs      Opt[int]
	AliveRigs      Opt[int]
	TotalRigs      Opt[int]
	AvgTempC       Opt[float64]
	CurrentVersion string
	Watts          Opt[float64]
	// CapacityPercent is alive GPUs as a percentage of all GPUs.
	CapacityPercent Opt[float64]
	// Licenses is the number of ethOS licenses (2021-era panels only).
	Licenses Opt[int]
	// Miners holds the per-miner totals of per_info, sorted by miner name.
	Miners []MinerTotals
}

// MinerTotals are the panel's totals for the rigs running one miner program.
type MinerTotals struct {
	Miner      string
	Hash       Opt[float64]
	AliveGPUs  Opt[int]
	TotalGPUs  Opt[int]
	AliveRigs  Opt[int]
	TotalRigs  Opt[int]
	HashPerGPU Opt[float64]
	HashPerRig Opt[float64]
	// CurrentTime is the panel's clock (current_time); zero when missing.
	CurrentTime time.Time
}

// RigError is a rig that could not be decoded.
type RigError struct {
	RigID string
	Err   error
}

func (e RigError) Error() string { return "rig " + e.RigID + ": " + e.Err.Error() }

// Rig is one mining rig as the panel last saw it. All strings are sanitised
// panel text: control characters and escape sequences are already removed.
type Rig struct {
	// Panel is the name of the source the rig came from.
	Panel string
	// ID is the panel's key for the rig: its hostname.
	ID string
	// Label is the operator's name for the rig (rack_loc); empty when unset.
	Label     string
	Condition Condition

	Version string
	Driver  string
	Miner   string

	// GPUsDetected is the panel's gpus field; GPUsHashing is miner_instance.
	GPUsDetected Opt[int]
	GPUsHashing  Opt[int]
	// Hash is the rig's total hash rate in the miner's unit (MH/s for ethash).
	Hash Opt[float64]

	// ServerTime is when the panel last received this rig's stats, on the
	// panel's clock; zero when unknown.
	ServerTime time.Time
	// ReportAge is how long ago the rig last reported. When the panel gave no
	// clock it is measured against the local clock and AgeFromLocalClock is set.
	ReportAge         Opt[time.Duration]
	AgeFromLocalClock bool

	Uptime      Opt[time.Duration]
	MinerUptime Opt[time.Duration]

	IP                string
	Pool              string
	Motherboard       string
	LANChip           string
	DriveName         string
	BIOSVersion       string
	RAMGB             Opt[float64]
	Load              Opt[float64]
	CPUTempC          Opt[float64]
	RxKbps            Opt[float64]
	TxKbps            Opt[float64]
	FreeSpaceGB       Opt[float64]
	RigWatts          Opt[float64]
	ConnectedDisplays string
	Flags             string
	// PDUName, PDUPort and PDUIP locate the rig's switched power outlet
	// (2021-era panels only).
	PDUName string
	PDUPort string
	PDUIP   string
	// ExtTempsC are the external temperature probes ext_temp1, ext_temp2…
	// at index 0, 1…; nil when the rig reports none.
	ExtTempsC []Opt[float64]

	GPUs []GPU
}

// Name returns the label shown for the rig: rack_loc, else the id.
func (r Rig) Name() string {
	if r.Label != "" {
		return r.Label
	}
	return r.ID
}

// GPUInfo is the hardware detail of one GPU, from its rig's meminfo line
// and bioses list. A field is empty when unknown.
type GPUInfo struct {
	// Model is the card, such as "GeForce GTX 1070".
	Model string
	// Bus is the PCI address, such as "01:00.0".
	Bus string
	// VBIOS is the video BIOS version.
	VBIOS string
	// Memory is the memory chip, such as "SK Hynix H5GC4H24AJR".
	Memory string
}

// GPU is one GPU of a rig, zipped from the rig's per-GPU lists by index.
type GPU struct {
	Index int
	// info is shared by the GPUs of a snapshot whose details are the same,
	// such as the same card in the same slot of many rigs: four strings
	// per GPU would take 2.2 MB more for 40,000 GPUs. It is nil when the
	// panel gave no details.
	info *GPUInfo

	Hash       Reading
	TempC      Reading
	FanRPM     Reading
	FanPercent Reading
	CoreMHz    Reading
	MemMHz     Reading
	PowerTune  Reading
	Voltage    Reading
	Watts      Reading
	VRAMGB     Reading
}

// Info returns the GPU's model, bus, video BIOS and memory.
func (g GPU) Info() GPUInfo {
	if g.info == nil {
		return GPUInfo{}
	}
	return *g.info
}
