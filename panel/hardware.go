package panel

import (
	"fmt"
	"math"
	"strings"
)

// gpuSpec is a GPU model as mining rigs ran it: typical ethash hash rate,
// temperature, power and clocks, and what its meminfo line shows.
type gpuSpec struct {
	model   string
	nvidia  bool
	hashMHs float64
	tempC   float64
	watts   float64
	coreMHz float64
	memMHz  float64
	vramGB  int
	vbios   string
	voltage float64
	memory  string // meminfo fields after the VBIOS; AMD only
}

// Typical tuned ethash figures for each model.
var (
	gtx1060   = gpuSpec{model: "GeForce GTX 1060 6GB", nvidia: true, hashMHs: 22.6, tempC: 62, watts: 92, coreMHz: 1835, memMHz: 4404, vramGB: 6, vbios: "86.06.45.00.60"}
	gtx1070   = gpuSpec{model: "GeForce GTX 1070", nvidia: true, hashMHs: 30.6, tempC: 60, watts: 110, coreMHz: 1544, memMHz: 4404, vramGB: 8, vbios: "86.04.50.00.72"}
	gtx1080Ti = gpuSpec{model: "GeForce GTX 1080 Ti", nvidia: true, hashMHs: 46.8, tempC: 64, watts: 205, coreMHz: 1620, memMHz: 5805, vramGB: 11, vbios: "86.02.39.00.90"}
	rtx3070   = gpuSpec{model: "GeForce RTX 3070", nvidia: true, hashMHs: 61.2, tempC: 58, watts: 125, coreMHz: 1110, memMHz: 7600, vramGB: 8, vbios: "94.04.25.00.0A"}
	rx470     = gpuSpec{model: "Radeon RX 470", hashMHs: 27.1, tempC: 68, watts: 105, coreMHz: 1150, memMHz: 2000, vramGB: 4, vbios: "113-2E353AU.ONC", voltage: 1.000, memory: "SK Hynix H5GC4H24AJR:GDDR5:Polaris10"}
	rx570     = gpuSpec{model: "Radeon RX 570", hashMHs: 28.4, tempC: 70, watts: 110, coreMHz: 1168, memMHz: 2000, vramGB: 4, vbios: "113-2E366FU-O53", voltage: 1.050, memory: "SK Hynix H5GC4H24AJR:GDDR5:Polaris20"}
	rx580     = gpuSpec{model: "Radeon RX 580", hashMHs: 30.4, tempC: 71, watts: 120, coreMHz: 1200, memMHz: 2100, vramGB: 8, vbios: "113-1E3660U-O5R", voltage: 1.100, memory: "Micron MT51J256M3:GDDR5:Polaris20"}
	vega56    = gpuSpec{model: "Radeon RX Vega 56", hashMHs: 38.5, tempC: 66, watts: 165, coreMHz: 1100, memMHz: 920, vramGB: 8, vbios: "113-D0500500-101", voltage: 0.900, memory: "Samsung KHA843801B:HBM2:Vega10"}
	vega64    = gpuSpec{model: "Radeon RX Vega 64", hashMHs: 42.3, tempC: 67, watts: 185, coreMHz: 1130, memMHz: 1100, vramGB: 8, vbios: "113-D0500100-102", voltage: 0.925, memory: "Samsung KHA843801B:HBM2:Vega10"}
)

// pciBuses are the bus numbers GPUs get on a typical mining board.
var pciBuses = []int{0x01, 0x02, 0x03, 0x05, 0x06, 0x07, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12}

// rigReading is the report of one simulated rig, before it is written out
// in the panel's format.
type rigReading struct {
	condition     string
	version       string
	miner         string
	label         any // string, or false as 2017 panels wrote an unset label
	ip            string
	pool          string
	mobo          string
	lanChip       string
	driveName     string
	ram           string
	serverTime    int64
	uptimeSecs    int64
	minerSecs     int64
	minerInstance int
	// minerInstanceInt writes miner_instance as a number, as claymore rigs
	// on NVIDIA did, instead of a string.
	minerInstanceInt bool
	load             float64
	cpuTempC         float64
	rxKbps, txKbps   float64
	freeGB           float64

	gpus   []gpuSpec
	hashes []float64
	temps  []float64
	fanPct []float64
	watts  []float64
}

// hasWatts reports whether the rig reports per-GPU power: AMD rigs only
// do from ethOS 1.3.
func (r *rigReading) hasWatts() bool {
	return r.gpus[0].nvidia || strings.HasPrefix(r.version, "1.3")
}

func (r *rigReading) panelRig() panelRig {
	n := len(r.gpus)
	nvidia := r.gpus[0].nvidia
	hash := 0.0
	for _, h := range r.hashes {
		hash += h
	}

	rig := panelRig{
		Condition:         r.condition,
		Version:           r.version,
		Driver:            "amdgpu",
		Miner:             r.miner,
		GPUs:              fmt.Sprint(n),
		MinerInstance:     fmt.Sprint(r.minerInstance),
		MinerHashes:       joinFixed(r.hashes, 2),
		DriveName:         r.driveName,
		Mobo:              r.mobo,
		LANChip:           r.lanChip,
		ConnectedDisplays: "",
		RAM:               r.ram,
		RackLoc:           r.label,
		IP:                r.ip,
		ServerTime:        r.serverTime,
		Uptime:            fmt.Sprint(r.uptimeSecs),
		MinerSecs:         r.minerSecs,
		RxKbps:            fixed(r.rxKbps, 2),
		TxKbps:            fixed(r.txKbps, 2),
		Load:              fixed(r.load, 2),
		CPUTemp:           fixed(r.cpuTempC, 0),
		FreeSpace:         r.freeGB,
		Hash:              round2(hash),
		Pool:              r.pool,
	}
	if nvidia {
		rig.Driver = "nvidia"
	}
	if r.minerInstanceInt {
		rig.MinerInstance = r.minerInstance
	}
	if r.condition == string(Unreachable) {
		// The panel zeroes these for a rig it no longer hears from and
		// keeps every other value stale.
		rig.MinerInstance, rig.Hash = 0, 0
	}
	if strings.HasPrefix(r.version, "1.3") {
		rig.BIOSVersion = "P1.10"
		rig.FanPercent = joinFixed(r.fanPct, 0)
	}

	var bioses, meminfo, vram, powertune, voltage, fanRPM, core, mem []string
	watts := make([]float64, 0, n)
	for i, g := range r.gpus {
		bioses = append(bioses, g.vbios)
		vram = append(vram, fmt.Sprint(g.vramGB))
		core = append(core, fixed(g.coreMHz, 0))
		mem = append(mem, fixed(g.memMHz, 0))
		watts = append(watts, r.watts[i])
		bus := pciBuses[i%len(pciBuses)]
		if g.nvidia {
			meminfo = append(meminfo, fmt.Sprintf("GPU%d:%02X:00.0:%s:%s:Unknown", i, bus, g.model, g.vbios))
			powertune = append(powertune, "2")
			voltage = append(voltage, "0.00")
			fanRPM = append(fanRPM, fixed(math.Round(r.fanPct[i]*38.5), 0))
		} else {
			meminfo = append(meminfo, fmt.Sprintf("GPU%d:%02x.00.0:%s:%s:%s", i, bus, g.model, g.vbios, g.memory))
			powertune = append(powertune, "5")
			voltage = append(voltage, fixed(g.voltage, 3))
			// AMD rigs report the fan percentage times 45 as "rpm".
			fanRPM = append(fanRPM, fixed(math.Round(r.fanPct[i])*45, 0))
		}
	}

	tempDecimals := 2
	if nvidia {
		tempDecimals = 0
	}
	rig.Bioses = strings.Join(bioses, " ")
	rig.Meminfo = strings.Join(meminfo, "\n")
	rig.VRAMSize = strings.Join(vram, " ")
	rig.Temp = joinFixed(r.temps, tempDecimals)
	rig.PowerTune = strings.Join(powertune, " ")
	rig.Voltage = strings.Join(voltage, " ")
	rig.FanRPM = strings.Join(fanRPM, " ")
	rig.Core = strings.Join(core, " ")
	rig.Mem = strings.Join(mem, " ")
	if r.hasWatts() {
		rig.Watts = joinFixed(watts, 2)
	}
	return rig
}

// farmTotals fills the panel's farm-wide fields from its rigs, as the panel
// server computes them.
// ids[i] is the id of readings[i]; both are in a fixed order so that the
// sums come out the same on every call.
func farmTotals(doc *panelDoc, ids []string, readings []*rigReading, currentTime int64) {
	type minerSum struct {
		hash                                       float64
		aliveGPUs, totalGPUs, aliveRigs, totalRigs int
	}
	perMiner := map[string]*minerSum{}
	tempSum, temps := 0.0, 0

	for i, r := range readings {
		rig := doc.Rigs[ids[i]]
		m := perMiner[r.miner]
		if m == nil {
			m = &minerSum{}
			perMiner[r.miner] = m
		}
		hash := 0.0
		if h, ok := rig.Hash.(float64); ok {
			hash = h
		}
		alive := 0
		if r.condition != string(Unreachable) {
			alive = r.minerInstance
			m.aliveRigs++
			doc.AliveRigs++
		}
		m.hash += hash
		m.aliveGPUs += alive
		m.totalGPUs += len(r.gpus)
		m.totalRigs++
		doc.TotalHash += hash
		doc.AliveGPUs += alive
		doc.TotalGPUs += len(r.gpus)
		doc.TotalRigs++
		for _, t := range r.temps {
			tempSum += t
			temps++
		}
	}

	doc.TotalHash = round2(doc.TotalHash)
	if temps > 0 {
		doc.AvgTemp = math.Round(tempSum/float64(temps)*1000) / 1000
	}
	if doc.TotalGPUs > 0 {
		doc.Capacity = fixed(float64(doc.AliveGPUs)*100/float64(doc.TotalGPUs), 1)
	}

	doc.PerInfo = map[string]panelPerInfo{}
	for miner, m := range perMiner {
		info := panelPerInfo{
			Hash:        int(math.Round(m.hash)),
			AliveGPUs:   m.aliveGPUs,
			TotalGPUs:   m.totalGPUs,
			AliveRigs:   m.aliveRigs,
			TotalRigs:   m.totalRigs,
			HashPerGPU:  "0.0",
			HashPerRig:  "0.0",
			CurrentTime: currentTime,
		}
		if m.aliveGPUs > 0 {
			info.HashPerGPU = fixed(m.hash/float64(m.aliveGPUs), 1)
		}
		if m.aliveRigs > 0 {
			info.HashPerRig = fixed(m.hash/float64(m.aliveRigs), 1)
		}
		doc.PerInfo[miner] = info
	}
}
