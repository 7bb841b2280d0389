package panel

import (
	"context"
	"encoding/binary"
	"hash/fnv"
	"math"
	"time"
)

// Farm is the simulated farm behind `rigtop demo` and `rigtop fakepanel`:
// about a dozen mixed NVIDIA and AMD rigs whose state is a pure function of
// the time elapsed since start, so that the same moment always renders the
// same panel.
//
// A scripted story repeats every storyCycle (5 minutes), counted from start:
//
//	 20 s  a GPU dies on 1a2b3c (１号機): hash 0, one GPU fewer hashing, still mining
//	 35 s  the miner stalls on b4c5d6 (no_hash), recovering at 95 s
//	 50 s  e3f4a5 reboots (just_booted, low uptime), mining again at 170 s
//	 70 s  GPU 1 of 7a8b9c (サブPC) heats up: throttle from 100 s (81 °C),
//	       overheat from 115 s (88 °C, miner killed), back to mining at 220 s
//	 90 s  0b1c2d stops reporting (unreachable, server_time frozen) until 280 s
//	260 s  the dead GPU is back
//
// Each rig reports every 10 s to 168 s, so a rig's server_time lags the
// panel's clock by 2 s to 170 s as on real panels; the scripted rigs report
// every 10–15 s so that their events show promptly.
type Farm struct {
	start time.Time
}

// NewDemoFarm returns the simulated farm starting at start.
func NewDemoFarm(start time.Time) *Farm { return &Farm{start: start} }

// The story's timing, in seconds into each cycle.
const (
	storyCycle = 300

	gpuDiesAt, gpuRevivesAt        = 20, 260
	minerStallsAt, minerRecoversAt = 35, 95
	rigRebootsAt, minerStartsAt    = 50, 80
	rebootedMiningAt               = 170
	heatStartsAt, heatThrottleAt   = 70, 100
	heatOverheatAt, heatRecoversAt = 115, 220
	rigDropsOffAt, rigComesBackAt  = 90, 280
)

// The rigs (indexes into farmRigs) and GPUs the story happens to.
const (
	gpuDiesRig, deadGPU         = 0, 2
	overheatRig, overheatGPU    = 2, 1
	minerStallsRig, rebootedRig = 4, 7
	unreachableRig              = 9
)

// The simulation's physical constants.
const (
	reportLagSecs       = 2
	minerStartDelaySecs = 45
	baseUptimeSecs      = 3*24*3600 + 5417
	hashJitter          = 0.008
	tempJitterC         = 1.0
	rampStartC          = 68.0
	rampCPerSec         = 0.45
	overheatHoldSecs    = 30
	coolingCPerSec      = 0.3
	idleTempC           = 42.0
	deadGPUTempC        = 45.0
	throttledHashShare  = 0.85
	idleWattsShare      = 0.25
	farmCurrentVersion  = "1.3.3"
)

// Rig setups shared by several simulated rigs.
const (
	claymore   = "claymore"
	ethminer   = "ethminer"
	ethermine  = "eu1.ethermine.org:4444"
	nanopool   = "eth-asia1.nanopool.org:9999"
	ethosPool  = "pool-usa.ethosdistro.com:5001"
	z170       = "Z170A GAMING M5 (MS-7977)"
	b250       = "B250 MINING EXPERT"
	h110       = "H110 Pro BTC " // the trailing space is what real rigs send
	intelLAN   = "Intel Corporation Ethernet Connection (2) I219-V (rev 31)"
	realtekLAN = "Realtek Semiconductor Co., Ltd. RTL8111/8168/8411 PCI Express Gigabit Ethernet Controller (rev 15)"
	sandisk    = "SanDisk SSD U110 16GB"
	kingdian   = "KingDian S100 16GB"
)

// farmRig is one simulated rig's fixed setup.
type farmRig struct {
	id          string
	label       string
	gpus        []gpuSpec
	version     string
	miner       string
	pool        string
	mobo        string
	lanChip     string
	drive       string
	ip          string
	reportEvery int64
}

func repeatGPU(g gpuSpec, n int) []gpuSpec {
	gpus := make([]gpuSpec, n)
	for i := range gpus {
		gpus[i] = g
	}
	return gpus
}

// farmRigs is the simulated farm, in the order the story indexes refer to.
var farmRigs = []farmRig{
	{id: "1a2b3c", label: "１号機", gpus: repeatGPU(gtx1070, 6), version: "1.3.3", miner: claymore, pool: ethermine, mobo: b250, lanChip: intelLAN, drive: sandisk, ip: "192.168.1.11", reportEvery: 15},
	{id: "4d5e6f", label: "rig2", gpus: repeatGPU(gtx1060, 8), version: "1.3.3", miner: ethminer, pool: ethermine, mobo: h110, lanChip: intelLAN, drive: sandisk, ip: "192.168.1.12", reportEvery: 45},
	{id: "7a8b9c", label: "サブPC", gpus: repeatGPU(gtx1080Ti, 4), version: "1.3.3", miner: claymore, pool: ethermine, mobo: z170, lanChip: realtekLAN, drive: kingdian, ip: "192.168.1.13", reportEvery: 10},
	{id: "a1b2c3", label: "r1_10", gpus: repeatGPU(rx580, 6), version: "1.2.9", miner: ethminer, pool: ethosPool, mobo: z170, lanChip: intelLAN, drive: sandisk, ip: "192.168.1.20", reportEvery: 60},
	{id: "b4c5d6", label: "r1_11", gpus: repeatGPU(rx570, 6), version: "1.2.9", miner: ethminer, pool: ethosPool, mobo: z170, lanChip: intelLAN, drive: sandisk, ip: "192.168.1.21", reportEvery: 12},
	{id: "c7d8e9", label: "r1_12", gpus: append(repeatGPU(rx470, 3), repeatGPU(rx570, 3)...), version: "1.2.9", miner: ethminer, pool: ethosPool, mobo: z170, lanChip: intelLAN, drive: sandisk, ip: "192.168.1.22", reportEvery: 90},
	{id: "d0e1f2", label: "vega01", gpus: repeatGPU(vega64, 6), version: "1.3.3", miner: claymore, pool: nanopool, mobo: b250, lanChip: intelLAN, drive: kingdian, ip: "192.168.1.30", reportEvery: 120},
	{id: "e3f4a5", label: "", gpus: repeatGPU(rx580, 8), version: "1.3.3", miner: claymore, pool: nanopool, mobo: b250, lanChip: intelLAN, drive: kingdian, ip: "192.168.1.31", reportEvery: 10},
	{id: "f6a7b8", label: "rtx-a", gpus: repeatGPU(rtx3070, 8), version: "1.3.3", miner: ethminer, pool: ethermine, mobo: b250, lanChip: intelLAN, drive: sandisk, ip: "192.168.1.40", reportEvery: 168},
	{id: "0b1c2d", label: "r2_01", gpus: repeatGPU(rx580, 6), version: "1.3.1", miner: ethminer, pool: ethosPool, mobo: h110, lanChip: realtekLAN, drive: sandisk, ip: "192.168.1.50", reportEvery: 15},
	{id: "3e4f5a", label: "r2_02", gpus: repeatGPU(gtx1080Ti, 6), version: "1.3.3", miner: claymore, pool: ethermine, mobo: h110, lanChip: realtekLAN, drive: kingdian, ip: "192.168.1.51", reportEvery: 30},
	{id: "6b7c8d", label: "spare", gpus: repeatGPU(vega56, 4), version: "1.3.3", miner: claymore, pool: nanopool, mobo: z170, lanChip: intelLAN, drive: kingdian, ip: "192.168.1.52", reportEvery: 75},
}

// PanelJSON renders the farm at now as an ethOS panel JSON document.
func (f *Farm) PanelJSON(now time.Time) []byte {
	elapsed := max(int64(now.Sub(f.start)/time.Second), 0)
	doc := panelDoc{
		Rigs:           make(map[string]panelRig, len(farmRigs)),
		CurrentVersion: farmCurrentVersion,
	}
	ids := make([]string, len(farmRigs))
	readings := make([]*rigReading, len(farmRigs))
	for i := range farmRigs {
		r := f.rigAt(i, elapsed)
		ids[i], readings[i] = farmRigs[i].id, r
		doc.Rigs[farmRigs[i].id] = r.panelRig()
	}
	farmTotals(&doc, ids, readings, now.Unix())
	return marshalPanel(doc)
}

// Source returns a Source that decodes PanelJSON at now(), named name.
func (f *Farm) Source(name string, now func() time.Time) Source {
	return &farmSource{farm: f, name: name, now: now}
}

type farmSource struct {
	farm *Farm
	name string
	now  func() time.Time
}

// Name implements Source.
func (s *farmSource) Name() string { return s.name }

// Fetch implements Source.
func (s *farmSource) Fetch(ctx context.Context) (Snapshot, error) {
	if ctx.Err() != nil {
		return Snapshot{}, &FetchError{URL: s.name, Kind: KindCanceled, Offset: -1, Err: ctx.Err()}
	}
	now := s.now()
	snap, err := Decode(s.farm.PanelJSON(now), s.name, now)
	if err != nil {
		// The farm always renders a valid panel; this keeps the contract
		// that Fetch returns *FetchError.
		return Snapshot{}, &FetchError{URL: s.name, Kind: KindOther, Offset: -1, Err: err}
	}
	return snap, nil
}

// cyclePos returns how far t (seconds since start) is into its story cycle,
// and -1 for a time before start.
func cyclePos(t int64) int64 {
	if t < 0 {
		return -1
	}
	return t % storyCycle
}

// during reports whether pos lies in [from, to).
func during(pos, from, to int64) bool { return pos >= from && pos < to }

// lastReport returns when (seconds since start) rig i last reported at
// elapsed: a whole number of its report intervals, offset per rig so that
// the rigs do not all report together. It may be before start.
func lastReport(i int, elapsed int64) int64 {
	every := farmRigs[i].reportEvery
	phase := int64(i*7) % every
	return elapsed - posMod(elapsed-phase, every)
}

func posMod(a, m int64) int64 { return ((a % m) + m) % m }

// rigAt computes what the panel shows for rig i at elapsed seconds.
func (f *Farm) rigAt(i int, elapsed int64) *rigReading {
	report := lastReport(i, elapsed)
	unreachable := i == unreachableRig && during(cyclePos(elapsed), rigDropsOffAt, rigComesBackAt)
	if unreachable {
		cycleStart := elapsed - cyclePos(elapsed)
		report = lastReport(i, cycleStart+rigDropsOffAt-1)
	}

	r := f.reading(i, report)
	if unreachable {
		r.condition = string(Unreachable)
	}
	return r
}

// reading is rig i's report at t seconds since start, with the story's
// events applied.
func (f *Farm) reading(i int, t int64) *rigReading {
	spec := farmRigs[i]
	r := &rigReading{
		condition:        string(Mining),
		version:          spec.version,
		miner:            spec.miner,
		label:            spec.label,
		ip:               spec.ip,
		pool:             spec.pool,
		mobo:             spec.mobo,
		lanChip:          spec.lanChip,
		driveName:        spec.drive + " SERIAL" + spec.id,
		ram:              "8",
		serverTime:       f.start.Unix() + t - reportLagSecs,
		uptimeSecs:       baseUptimeSecs + int64(i)*7919 + t,
		minerInstance:    len(spec.gpus),
		minerInstanceInt: spec.miner == claymore && spec.gpus[0].nvidia,
		load:             0.3 + 0.2*jitter(i, -1, 1, t),
		cpuTempC:         math.Round(38 + 4*jitter(i, -1, 2, t)),
		rxKbps:           0.2 + 0.05*jitter(i, -1, 3, t),
		txKbps:           0.9 + 0.3*jitter(i, -1, 4, t),
		freeGB:           3.1,
		gpus:             spec.gpus,
	}
	for g, gpu := range spec.gpus {
		temp := gpu.tempC + 3*jitter(i, g, 0, 0) + tempJitterC*jitter(i, g, 5, t)
		r.hashes = append(r.hashes, round2(gpu.hashMHs*(1+hashJitter*jitter(i, g, 6, t))))
		r.temps = append(r.temps, math.Round(temp))
		r.watts = append(r.watts, round2(gpu.watts*(1+0.02*jitter(i, g, 7, t))))
	}

	if pos := cyclePos(t); pos >= 0 {
		switch i {
		case gpuDiesRig:
			gpuDies(r, pos)
		case minerStallsRig:
			minerStalls(r, pos)
		case rebootedRig:
			reboots(r, t, pos)
		case overheatRig:
			overheats(r, pos)
		}
	}

	for _, temp := range r.temps {
		r.fanPct = append(r.fanPct, math.Round(min(max(40+(temp-55)*2.2, 30), 100)))
	}
	r.minerSecs = max(r.uptimeSecs-minerStartDelaySecs, 0)
	return r
}

func gpuDies(r *rigReading, pos int64) {
	if !during(pos, gpuDiesAt, gpuRevivesAt) {
		return
	}
	r.hashes[deadGPU] = 0
	r.temps[deadGPU] = deadGPUTempC
	r.watts[deadGPU] = round2(r.watts[deadGPU] * idleWattsShare)
	r.minerInstance--
}

func minerStalls(r *rigReading, pos int64) {
	if !during(pos, minerStallsAt, minerRecoversAt) {
		return
	}
	r.condition = string(NoHash)
	stopMiner(r)
	for g := range r.temps {
		r.temps[g] = min(r.temps[g], idleTempC+float64(g%3))
	}
}

func reboots(r *rigReading, t, pos int64) {
	if t >= rigRebootsAt {
		lastBoot := t - posMod(t-rigRebootsAt, storyCycle)
		r.uptimeSecs = t - lastBoot
	}
	if !during(pos, rigRebootsAt, rebootedMiningAt) {
		return
	}
	r.condition = string(JustBooted)
	if pos < minerStartsAt {
		stopMiner(r)
		for g := range r.temps {
			r.temps[g] = min(r.temps[g], idleTempC+float64(g%3))
		}
	}
}

// overheats ramps one GPU's temperature up. ethOS throttles the GPU 5 °C
// below its 85 °C limit and kills the miner past the limit. The hot card
// stays hot for a while, then every card cools down.
func overheats(r *rigReading, pos int64) {
	g := overheatGPU
	switch {
	case during(pos, heatStartsAt, heatOverheatAt):
		r.temps[g] = round1(rampStartC + float64(pos-heatStartsAt)*rampCPerSec)
		if pos >= heatThrottleAt {
			r.condition = string(Throttle)
			r.hashes[g] = round2(r.hashes[g] * throttledHashShare)
		}

	case during(pos, heatOverheatAt, heatRecoversAt):
		peak := rampStartC + float64(heatOverheatAt-heatStartsAt)*rampCPerSec
		cooled := float64(max(pos-heatOverheatAt-overheatHoldSecs, 0)) * coolingCPerSec
		r.condition = string(Overheat)
		stopMiner(r)
		for k := range r.temps {
			from := r.temps[k]
			if k == g {
				from = peak
			}
			r.temps[k] = round1(max(from-cooled, idleTempC))
		}
	}
}

// stopMiner sets a rig whose miner is not running: no GPU hashing and little
// power drawn.
func stopMiner(r *rigReading) {
	r.minerInstance = 0
	for g := range r.hashes {
		r.hashes[g] = 0
		r.watts[g] = round2(r.watts[g] * idleWattsShare)
	}
}

func round1(v float64) float64 { return math.Round(v*10) / 10 }

// jitter returns a deterministic value in [-1, 1) for rig i, GPU g (-1 for
// the rig itself), a field number and a report time.
func jitter(i, g, field int, t int64) float64 {
	h := fnv.New64a()
	var buf [32]byte
	binary.LittleEndian.PutUint64(buf[0:], uint64(i))
	binary.LittleEndian.PutUint64(buf[8:], uint64(g))
	binary.LittleEndian.PutUint64(buf[16:], uint64(field))
	binary.LittleEndian.PutUint64(buf[24:], uint64(t))
	h.Write(buf[:])
	return float64(h.Sum64()>>11)/(1<<52) - 1
}
