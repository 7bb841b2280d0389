package panel

import (
	"slices"
	"strings"
)

// setTotal stores one top-level field of the panel; unknown keys are ignored.
func setTotal(t *Totals, key string, v jsonScalar, in *interner) {
	switch key {
	case "total_hash":
		t.Hash = numberOf(v)
	case "alive_gpus":
		t.AliveGPUs = countOf(v, maxCount)
	case "total_gpus":
		t.TotalGPUs = countOf(v, maxCount)
	case "alive_rigs":
		t.AliveRigs = countOf(v, maxCount)
	case "total_rigs":
		t.TotalRigs = countOf(v, maxCount)
	case "avg_temp":
		t.AvgTempC = numberOf(v)
	case "current_version":
		t.CurrentVersion = in.text(v)
	case "capacity":
		t.CapacityPercent = numberOf(v)
	case "total_watts":
		t.Watts = numberOf(v)
	case "licenses":
		t.Licenses = countOf(v, maxCount)
	}
}

// maxMiners bounds the miners kept from per_info, which has one entry per
// miner program in the farm: one or two in the real samples. A hostile
// panel of 400,000 {} members would otherwise cost a MinerTotals each,
// about 120 MB for a 5 MB body.
const maxMiners = 256

// perInfo reads "per_info", an object of per-miner totals keyed by miner
// name. PHP writes an empty one as []; any value other than an object is
// skipped, and so are the miners after the first maxMiners.
func (d *decoder) perInfo(t *Totals) error {
	if d.scan.peek() != '{' {
		_, err := d.scan.value()
		return err
	}

	t.Miners = t.Miners[:0]
	err := d.scan.object(func(miner string) error {
		if d.scan.peek() != '{' || len(t.Miners) == maxMiners {
			_, err := d.scan.value()
			return err
		}
		m := MinerTotals{Miner: strings.Clone(strings.TrimSpace(Sanitize(miner)))}
		err := d.scan.object(func(key string) error {
			v, err := d.scan.value()
			if err != nil {
				return err
			}
			setMinerTotal(&m, key, v)
			return nil
		})
		t.Miners = append(t.Miners, m)
		return err
	})
	slices.SortStableFunc(t.Miners, func(a, b MinerTotals) int { return strings.Compare(a.Miner, b.Miner) })
	return err
}

func setMinerTotal(m *MinerTotals, key string, v jsonScalar) {
	switch key {
	case "hash":
		m.Hash = numberOf(v)
	case "per_alive_gpus":
		m.AliveGPUs = countOf(v, maxCount)
	case "per_total_gpus":
		m.TotalGPUs = countOf(v, maxCount)
	case "per_alive_rigs":
		m.AliveRigs = countOf(v, maxCount)
	case "per_total_rigs":
		m.TotalRigs = countOf(v, maxCount)
	case "per_hash-gpu":
		m.HashPerGPU = numberOf(v)
	case "per_hash-rig":
		m.HashPerRig = numberOf(v)
	case "current_time":
		m.CurrentTime = unixTimeOf(v)
	}
}
