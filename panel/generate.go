package panel

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// generatedPanelTime is the panel clock of generated farms (2018-03-01 UTC),
// fixed so that the same seed gives the same bytes.
const generatedPanelTime = 1519862400

// GenerateFarmJSON returns a panel response for a farm of rigs rigs with
// gpusPerRig GPUs each, for benchmarks and load tests. The same seed gives
// the same bytes. Each rig has one GPU model from the simulated farm's
// catalogue. By chance about 3% of the rigs are unreachable, 2% no_hash,
// 2% just_booted and 1% throttled, and 10% run with one dead GPU. A
// 5,000-rig farm of 8 GPUs is 8.6 MB.
func GenerateFarmJSON(rigs, gpusPerRig int, seed int64) []byte {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x9e3779b97f4a7c15))
	catalogue := []gpuSpec{gtx1060, gtx1070, gtx1080Ti, rtx3070, rx470, rx570, rx580, vega56, vega64}
	versions := []string{"1.2.7", "1.2.9", "1.3.0", "1.3.1", "1.3.3"}
	pools := []string{ethermine, nanopool, ethosPool}
	gpusPerRig = max(gpusPerRig, 1)

	doc := panelDoc{Rigs: make(map[string]panelRig, rigs), CurrentVersion: farmCurrentVersion}
	ids := make([]string, 0, rigs)
	readings := make([]*rigReading, 0, rigs)
	for i := range rigs {
		spec := catalogue[rng.IntN(len(catalogue))]
		r := &rigReading{
			condition:        string(Mining),
			version:          versions[rng.IntN(len(versions))],
			miner:            []string{claymore, ethminer}[rng.IntN(2)],
			label:            fmt.Sprintf("rack%02d_%03d", i/100, i%100),
			ip:               fmt.Sprintf("10.%d.%d.%d", i>>16&0xff, i>>8&0xff, i&0xff),
			pool:             pools[rng.IntN(len(pools))],
			mobo:             []string{z170, b250, h110}[rng.IntN(3)],
			lanChip:          []string{intelLAN, realtekLAN}[rng.IntN(2)],
			driveName:        fmt.Sprintf("%s SERIAL%08X", sandisk, rng.Uint32()),
			ram:              "8",
			serverTime:       generatedPanelTime - 2 - rng.Int64N(169),
			uptimeSecs:       300 + rng.Int64N(30*24*3600),
			minerInstance:    gpusPerRig,
			minerInstanceInt: spec.nvidia && rng.IntN(2) == 0,
			load:             0.2 + rng.Float64(),
			cpuTempC:         float64(30 + rng.IntN(20)),
			rxKbps:           rng.Float64(),
			txKbps:           rng.Float64() * 2,
			freeGB:           math.Round(rng.Float64()*50) / 10,
			gpus:             repeatGPU(spec, gpusPerRig),
		}
		for range gpusPerRig {
			temp := math.Round(spec.tempC + rng.NormFloat64()*3)
			r.hashes = append(r.hashes, round2(spec.hashMHs*(1+rng.NormFloat64()*0.01)))
			r.temps = append(r.temps, temp)
			r.fanPct = append(r.fanPct, math.Round(min(max(40+(temp-55)*2.2, 30), 100)))
			r.watts = append(r.watts, round2(spec.watts*(1+rng.NormFloat64()*0.02)))
		}
		generatedCondition(r, rng)
		r.minerSecs = max(r.uptimeSecs-minerStartDelaySecs, 0)

		// An odd multiplier is a bijection modulo 2^24, so the ids are unique.
		id := fmt.Sprintf("%06x", (uint32(i)*2654435761)&0xffffff)
		ids = append(ids, id)
		readings = append(readings, r)
		doc.Rigs[id] = r.panelRig()
	}
	farmTotals(&doc, ids, readings, generatedPanelTime)
	return marshalPanel(doc)
}

// generatedCondition gives a generated rig its share of the usual failures.
func generatedCondition(r *rigReading, rng *rand.Rand) {
	switch p := rng.Float64(); {
	case p < 0.03:
		r.condition = string(Unreachable)
		r.serverTime -= 600 + rng.Int64N(24*3600)
	case p < 0.05:
		r.condition = string(NoHash)
		stopMiner(r)
	case p < 0.07:
		r.condition = string(JustBooted)
		r.uptimeSecs = 60 + rng.Int64N(600)
	case p < 0.08:
		r.condition = string(Throttle)
		r.temps[0] = 81
	case p < 0.18:
		r.hashes[rng.IntN(len(r.hashes))] = 0
		r.minerInstance--
	}
}
