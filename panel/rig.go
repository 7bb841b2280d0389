package panel

import (
	"strconv"
	"strings"
)

// maxExtTemps bounds the ext_tempN probes kept per rig.
const maxExtTemps = 16

// rig reads one rig object, whose '{' is the next byte, into r. A field of
// a type that makes no sense for it leaves that field unknown; only invalid
// JSON is an error.
func (d *decoder) rig(r *Rig, id string) error {
	r.Panel, r.ID = d.source, id
	var lists gpuLists
	err := d.scan.object(func(key string) error {
		v, err := d.scan.value()
		if err != nil {
			return err
		}
		d.setRigField(r, &lists, key, v)
		return nil
	})
	if err != nil {
		return err
	}

	d.gpus.add(gpuJob{rig: r, lists: lists, detected: r.GPUsDetected})
	return nil
}

func (d *decoder) setRigField(r *Rig, lists *gpuLists, key string, v jsonScalar) {
	if list, ok := gpuListFor(key); ok {
		if !d.skipDetails || list.readByRules() {
			lists.set(list, v)
		}
		return
	}

	switch key {
	case "condition":
		r.Condition = Condition(d.strings.text(v))
	case "rack_loc":
		r.Label = textOf(v)
	case "version":
		r.Version = d.strings.text(v)
	case "driver":
		r.Driver = d.strings.text(v)
	case "miner":
		r.Miner = d.strings.text(v)
	case "gpus":
		r.GPUsDetected = countOf(v, maxGPUsPerRig)
	case "miner_instance":
		r.GPUsHashing = countOf(v, maxGPUsPerRig)
	case "hash":
		r.Hash = numberOf(v)
	case "server_time":
		r.ServerTime = unixTimeOf(v)
	case "uptime":
		r.Uptime = secondsOf(v)
	case "miner_secs":
		r.MinerUptime = secondsOf(v)
	case "meminfo":
		if !d.skipDetails {
			lists.setMeminfo(v)
		}

	case "ip":
		r.IP = textOf(v)
	case "pool":
		r.Pool = d.strings.text(v)
	case "mobo":
		r.Motherboard = d.strings.text(v)
	case "lan_chip":
		r.LANChip = d.strings.text(v)
	case "drive_name":
		r.DriveName = textOf(v)
	case "biosversion":
		r.BIOSVersion = d.strings.text(v)
	case "connected_displays":
		r.ConnectedDisplays = d.strings.text(v)
	case "flags":
		r.Flags = d.strings.text(v)
	case "pdu_name":
		r.PDUName = textOf(v)
	case "pdu_port":
		r.PDUPort = textOf(v)
	case "pdu_ip":
		r.PDUIP = textOf(v)

	case "ram":
		r.RAMGB = numberOf(v)
	case "load":
		r.Load = numberOf(v)
	case "cpu_temp":
		r.CPUTempC = numberOf(v)
	case "rx_kbps":
		r.RxKbps = numberOf(v)
	case "tx_kbps":
		r.TxKbps = numberOf(v)
	case "freespace":
		r.FreeSpaceGB = numberOf(v)
	case "rig_watts":
		r.RigWatts = numberOf(v)

	default:
		setExtTemp(r, key, v)
	}
}

// setExtTemp stores ext_temp1, ext_temp2… at index 0, 1… and ignores any
// other unknown key.
func setExtTemp(r *Rig, key string, v jsonScalar) {
	suffix, ok := strings.CutPrefix(key, "ext_temp")
	if !ok {
		return
	}
	n, err := strconv.Atoi(suffix)
	if err != nil || n < 1 || n > maxExtTemps {
		return
	}
	for len(r.ExtTempsC) < n {
		r.ExtTempsC = append(r.ExtTempsC, Opt[float64]{})
	}
	r.ExtTempsC[n-1] = numberOf(v)
}
