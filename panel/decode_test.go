package panel

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// fetchedAt is the local clock the decode tests pass. No sample's panel
// clock is near it, so a test can tell which clock a value came from.
var fetchedAt = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

func decodeFile(t *testing.T, name string) Snapshot {
	t.Helper()
	body, err := os.ReadFile(filepath.Join("..", "testdata", "panels", name))
	if err != nil {
		t.Fatal(err)
	}
	snap, err := Decode(body, name, fetchedAt)
	if err != nil {
		t.Fatalf("Decode(%s): %v", name, err)
	}
	return snap
}

func findRig(t *testing.T, snap Snapshot, id string) Rig {
	t.Helper()
	for _, r := range snap.Rigs {
		if r.ID == id {
			return r
		}
	}
	t.Fatalf("rig %s not in snapshot (have %v)", id, rigIDs(snap))
	return Rig{}
}

func rigIDs(snap Snapshot) []string {
	var ids []string
	for _, r := range snap.Rigs {
		ids = append(ids, r.ID)
	}
	return ids
}

func wantFloat(t *testing.T, field string, got Opt[float64], want float64) {
	t.Helper()
	if !got.Known || got.Value != want {
		t.Errorf("%s = %+v, want known %v", field, got, want)
	}
}

func wantInt(t *testing.T, field string, got Opt[int], want int) {
	t.Helper()
	if !got.Known || got.Value != want {
		t.Errorf("%s = %+v, want known %v", field, got, want)
	}
}

func wantDuration(t *testing.T, field string, got Opt[time.Duration], want time.Duration) {
	t.Helper()
	if !got.Known || got.Value != want {
		t.Errorf("%s = %+v, want known %v", field, got, want)
	}
}

func wantUnknown[T ~int | ~int64 | ~float64](t *testing.T, field string, got Opt[T]) {
	t.Helper()
	if got.Known {
		t.Errorf("%s = %v, want unknown", field, got.Value)
	}
}

func wantString(t *testing.T, field, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %q, want %q", field, got, want)
	}
}

func TestDecodeNvidiaSample(t *testing.T) {
	snap := decodeFile(t, "nvidia-3rigs.json")

	if got, want := rigIDs(snap), []string{"074ac8", "496406", "f547c3"}; !slices.Equal(got, want) {
		t.Fatalf("rig ids = %v, want sorted %v", got, want)
	}
	if len(snap.RigErrors) != 0 {
		t.Errorf("RigErrors = %v, want none", snap.RigErrors)
	}
	wantString(t, "Source", snap.Source, "nvidia-3rigs.json")
	if !snap.PanelClockKnown || snap.PanelTime.Unix() != 1504924911 {
		t.Errorf("PanelTime = %v (known %v), want 1504924911 from per_info.claymore.current_time", snap.PanelTime.Unix(), snap.PanelClockKnown)
	}
	if !snap.FetchedAt.Equal(fetchedAt) {
		t.Errorf("FetchedAt = %v, want %v", snap.FetchedAt, fetchedAt)
	}

	rig := findRig(t, snap, "496406")
	wantString(t, "Label", rig.Label, "rig2")
	wantString(t, "Name()", rig.Name(), "rig2")
	wantString(t, "Panel", rig.Panel, "nvidia-3rigs.json")
	if rig.Condition != Mining {
		t.Errorf("Condition = %q, want mining", rig.Condition)
	}
	wantString(t, "Version", rig.Version, "1.2.4")
	wantString(t, "Driver", rig.Driver, "nvidia")
	wantString(t, "Miner", rig.Miner, "claymore")
	wantInt(t, "GPUsDetected", rig.GPUsDetected, 13)
	wantInt(t, "GPUsHashing", rig.GPUsHashing, 13)
	wantFloat(t, "Hash", rig.Hash, 255.17)
	if rig.ServerTime.Unix() != 1504924829 {
		t.Errorf("ServerTime = %d, want 1504924829", rig.ServerTime.Unix())
	}
	wantDuration(t, "ReportAge", rig.ReportAge, 82*time.Second) // 1504924911 - 1504924829
	if rig.AgeFromLocalClock {
		t.Error("AgeFromLocalClock set, but the panel gave current_time")
	}
	wantDuration(t, "Uptime", rig.Uptime, 2004*time.Second)
	wantDuration(t, "MinerUptime", rig.MinerUptime, 1904*time.Second)
	wantString(t, "Motherboard", rig.Motherboard, "H110 Pro BTC") // trailing space trimmed
	wantString(t, "IP", rig.IP, "192.168.0.100")
	wantString(t, "Pool", rig.Pool, "us2.ethermine.org:4444")
	wantFloat(t, "RAMGB", rig.RAMGB, 8)
	wantFloat(t, "Load", rig.Load, 1.60)
	wantFloat(t, "CPUTempC", rig.CPUTempC, 48)
	wantFloat(t, "TxKbps", rig.TxKbps, 1.46)
	wantFloat(t, "FreeSpaceGB", rig.FreeSpaceGB, 3.1)
	wantUnknown(t, "RigWatts", rig.RigWatts)

	// 13 GPUs although fanrpm lists 16 values: the extras are ignored.
	if len(rig.GPUs) != 13 {
		t.Fatalf("len(GPUs) = %d, want 13", len(rig.GPUs))
	}
	g := rig.GPUs[8]
	if g.Index != 8 {
		t.Errorf("GPUs[8].Index = %d", g.Index)
	}
	wantString(t, "GPU 8 Model", g.Info().Model, "GeForce GTX 1060 6GB")
	wantString(t, "GPU 8 Bus", g.Info().Bus, "0B:00.0")
	wantString(t, "GPU 8 VBIOS", g.Info().VBIOS, "86.06.45.00.60")
	wantString(t, "GPU 8 Memory", g.Info().Memory, "Unknown")
	wantFloat(t, "GPU 8 Hash", g.Hash.Opt(), 22.79)
	wantFloat(t, "GPU 8 TempC", g.TempC.Opt(), 58)
	wantFloat(t, "GPU 8 FanRPM", g.FanRPM.Opt(), 3240)
	wantFloat(t, "GPU 8 CoreMHz", g.CoreMHz.Opt(), 1480)
	wantFloat(t, "GPU 8 MemMHz", g.MemMHz.Opt(), 4404)
	wantFloat(t, "GPU 8 Watts", g.Watts.Opt(), 79.16)
	wantFloat(t, "GPU 8 VRAMGB", g.VRAMGB.Opt(), 6)
	wantFloat(t, "GPU 8 Voltage", g.Voltage.Opt(), 0) // NVIDIA always reports 0.00
	wantFloat(t, "GPU 8 PowerTune", g.PowerTune.Opt(), 2)
	wantUnknown(t, "GPU 8 FanPercent", g.FanPercent.Opt())
	wantFloat(t, "GPU 12 FanRPM", rig.GPUs[12].FanRPM.Opt(), 2794) // the 13th of 16 values
	wantString(t, "GPU 12 Model", rig.GPUs[12].Info().Model, "GeForce GTX 1060 3GB")

	first := findRig(t, snap, "f547c3")
	wantString(t, "f547c3 GPU 0 Bus", first.GPUs[0].Info().Bus, "01:00.0")
	wantString(t, "f547c3 GPU 0 Model", first.GPUs[0].Info().Model, "GeForce GTX 1070")
	wantFloat(t, "f547c3 GPU 5 Watts", first.GPUs[5].Watts.Opt(), 105.09)
	wantString(t, "f547c3 LANChip", first.LANChip, "Realtek Semiconductor Co., Ltd. RTL8111/8168/8411 PCI Express Gigabit Ethernet Controller (rev 15)")

	wantFloat(t, "Totals.Hash", snap.Totals.Hash, 497.71)
	wantInt(t, "Totals.AliveGPUs", snap.Totals.AliveGPUs, 22)
	wantInt(t, "Totals.TotalGPUs", snap.Totals.TotalGPUs, 22)
	wantInt(t, "Totals.AliveRigs", snap.Totals.AliveRigs, 3)
	wantInt(t, "Totals.TotalRigs", snap.Totals.TotalRigs, 3)
	wantFloat(t, "Totals.AvgTempC", snap.Totals.AvgTempC, 57.723333333333)
	wantFloat(t, "Totals.CapacityPercent", snap.Totals.CapacityPercent, 100)
	wantString(t, "Totals.CurrentVersion", snap.Totals.CurrentVersion, "1.2.4")
	wantUnknown(t, "Totals.Watts", snap.Totals.Watts)
	if len(snap.Totals.Miners) != 1 {
		t.Fatalf("Miners = %+v, want claymore only", snap.Totals.Miners)
	}
	m := snap.Totals.Miners[0]
	wantString(t, "Miner", m.Miner, "claymore")
	wantFloat(t, "claymore Hash", m.Hash, 498)
	wantFloat(t, "claymore HashPerGPU", m.HashPerGPU, 22.6)
	wantFloat(t, "claymore HashPerRig", m.HashPerRig, 166.0)
	wantInt(t, "claymore TotalRigs", m.TotalRigs, 3)
}

func TestDecodeAMDSample(t *testing.T) {
	snap := decodeFile(t, "amd-10rigs-one-unreachable.json")

	if len(snap.Rigs) != 10 {
		t.Fatalf("len(Rigs) = %d, want 10", len(snap.Rigs))
	}
	if snap.PanelTime.Unix() != 1518895927 {
		t.Errorf("PanelTime = %d, want 1518895927 (per_info.ethminer.current_time)", snap.PanelTime.Unix())
	}

	down := findRig(t, snap, "a10006")
	if down.Condition != Unreachable {
		t.Errorf("a10006 Condition = %q, want unreachable", down.Condition)
	}
	wantString(t, "a10006 Label", down.Label, "r1_15")
	wantFloat(t, "a10006 Hash", down.Hash, 0)
	wantInt(t, "a10006 GPUsHashing", down.GPUsHashing, 0) // the number 0, not "0"
	wantInt(t, "a10006 GPUsDetected", down.GPUsDetected, 6)
	// 1518895927 - 1518874028 = 21899 s, about six hours of silence.
	wantDuration(t, "a10006 ReportAge", down.ReportAge, 21899*time.Second)
	if len(down.GPUs) != 6 {
		t.Fatalf("a10006 has %d GPUs, want 6", len(down.GPUs))
	}
	for _, g := range down.GPUs {
		wantUnknown(t, "a10006 GPU watts (null)", g.Watts.Opt())
	}
	// The stale per-GPU values are kept as the panel shows them.
	wantFloat(t, "a10006 GPU 0 Hash", down.GPUs[0].Hash.Opt(), 22.29)
	wantFloat(t, "a10006 GPU 4 TempC", down.GPUs[4].TempC.Opt(), 74)
	wantFloat(t, "a10006 GPU 2 Voltage", down.GPUs[2].Voltage.Opt(), 1.2)

	mixed := findRig(t, snap, "a10003")
	wantString(t, "a10003 GPU 4 Model", mixed.GPUs[4].Info().Model, "Radeon RX 470")
	wantString(t, "a10003 GPU 4 Bus", mixed.GPUs[4].Info().Bus, "07.00.0") // AMD bus form, no colon
	wantString(t, "a10003 GPU 4 VBIOS", mixed.GPUs[4].Info().VBIOS, "113-2E353AU.ONC")
	wantString(t, "a10003 GPU 4 Memory", mixed.GPUs[4].Info().Memory, "SK Hynix H5GC4H24AJR")
	wantFloat(t, "a10003 GPU 4 VRAMGB", mixed.GPUs[4].VRAMGB.Opt(), 4)
	wantFloat(t, "a10003 GPU 5 Hash", mixed.GPUs[5].Hash.Opt(), 18.34)

	fresh := findRig(t, snap, "a10001")
	wantInt(t, "a10001 GPUsHashing (string \"6\")", fresh.GPUsHashing, 6)
	wantDuration(t, "a10001 ReportAge", fresh.ReportAge, 105*time.Second) // 1518895927 - 1518895822
	wantString(t, "a10001 GPU 5 Model", fresh.GPUs[5].Info().Model, "Radeon RX 570")

	wantInt(t, "Totals.AliveRigs", snap.Totals.AliveRigs, 9)
	wantInt(t, "Totals.TotalRigs", snap.Totals.TotalRigs, 10)
	wantInt(t, "Totals.AliveGPUs", snap.Totals.AliveGPUs, 54)
	wantInt(t, "Totals.TotalGPUs", snap.Totals.TotalGPUs, 60)
	wantFloat(t, "Totals.CapacityPercent", snap.Totals.CapacityPercent, 90)
	wantFloat(t, "Totals.Hash", snap.Totals.Hash, 1208.99)
	wantString(t, "Totals.CurrentVersion", snap.Totals.CurrentVersion, "1.2.9")
}

func TestDecodeEthos13Sample(t *testing.T) {
	snap := decodeFile(t, "ethos13-just-booted.json")

	if len(snap.Rigs) != 1 {
		t.Fatalf("len(Rigs) = %d, want 1", len(snap.Rigs))
	}
	rig := snap.Rigs[0]
	wantString(t, "ID", rig.ID, "a40001")
	wantString(t, "Label", rig.Label, "")
	wantString(t, "Name() with empty rack_loc", rig.Name(), "a40001")
	if rig.Condition != JustBooted {
		t.Errorf("Condition = %q, want just_booted", rig.Condition)
	}
	wantDuration(t, "ReportAge", rig.ReportAge, 12*time.Second) // 1520912193 - 1520912181
	wantInt(t, "GPUsHashing", rig.GPUsHashing, 10)
	wantString(t, "ConnectedDisplays (null)", rig.ConnectedDisplays, "")
	wantString(t, "Flags (null)", rig.Flags, "")
	wantString(t, "BIOSVersion", rig.BIOSVersion, "P1.10")
	wantDuration(t, "Uptime", rig.Uptime, 300*time.Second)
	wantDuration(t, "MinerUptime", rig.MinerUptime, 200*time.Second)
	if len(rig.GPUs) != 10 {
		t.Fatalf("len(GPUs) = %d, want 10", len(rig.GPUs))
	}
	for _, g := range rig.GPUs {
		wantUnknown(t, "GPU watts (null)", g.Watts.Opt())
	}
	wantString(t, "GPU 6 Bus", rig.GPUs[6].Info().Bus, "0a.00.0")
	wantString(t, "GPU 6 Model", rig.GPUs[6].Info().Model, "Radeon RX 580")
	wantString(t, "GPU 6 Memory", rig.GPUs[6].Info().Memory, "Unknown Micron")
	wantFloat(t, "GPU 9 Hash", rig.GPUs[9].Hash.Opt(), 30.58)
	wantFloat(t, "GPU 0 TempC", rig.GPUs[0].TempC.Opt(), 50)
	wantFloat(t, "GPU 0 Voltage", rig.GPUs[0].Voltage.Opt(), 0.88)
	wantFloat(t, "GPU 0 FanRPM", rig.GPUs[0].FanRPM.Opt(), 3988)
}

func TestDecode2017Format(t *testing.T) {
	snap := decodeFile(t, "ethos-2017-rackloc-false.json")

	if snap.PanelClockKnown {
		t.Error("PanelClockKnown set, but per_info has no current_time")
	}
	if !snap.PanelTime.Equal(fetchedAt) {
		t.Errorf("PanelTime = %v, want the fetch time %v", snap.PanelTime, fetchedAt)
	}

	rig := findRig(t, snap, "0c1f2a")
	wantString(t, "Label (rack_loc false)", rig.Label, "")
	wantString(t, "Name()", rig.Name(), "0c1f2a")
	wantFloat(t, "Hash (string \"79.12\")", rig.Hash, 79.12)
	wantFloat(t, "GPU 0 Hash (\"05.23\")", rig.GPUs[0].Hash.Opt(), 5.23)
	wantInt(t, "GPUsHashing (integer 4)", rig.GPUsHashing, 4)
	if !rig.AgeFromLocalClock {
		t.Error("AgeFromLocalClock not set without current_time")
	}
	wantDuration(t, "ReportAge against the local clock", rig.ReportAge, fetchedAt.Sub(time.Unix(1493710112, 0)))
	wantString(t, "GPU 3 Memory", rig.GPUs[3].Info().Memory, "Samsung K4G80325FB")

	other := findRig(t, snap, "7d30be")
	if other.Condition != HighLoad {
		t.Errorf("7d30be Condition = %q, want high_load", other.Condition)
	}
	wantString(t, "7d30be Driver", other.Driver, "fglrx")
	wantString(t, "7d30be Flags (false)", other.Flags, "")
	for _, g := range other.GPUs {
		wantUnknown(t, "7d30be GPU watts (false)", g.Watts.Opt())
		wantString(t, "7d30be GPU Model (no meminfo)", g.Info().Model, "")
	}
	wantString(t, "7d30be GPU 2 VBIOS from bioses", other.GPUs[2].Info().VBIOS, "113-C6710100-X01")

	if len(snap.Totals.Miners) != 1 {
		t.Fatalf("Miners = %+v", snap.Totals.Miners)
	}
	wantFloat(t, "ethminer Hash (integer)", snap.Totals.Miners[0].Hash, 136)
	if !snap.Totals.Miners[0].CurrentTime.IsZero() {
		t.Errorf("ethminer CurrentTime = %v, want zero", snap.Totals.Miners[0].CurrentTime)
	}
}

func TestDecode2021Format(t *testing.T) {
	snap := decodeFile(t, "ethos-2021-cpu-miner.json")

	// The max current_time of the two miners.
	if snap.PanelTime.Unix() != 1623831425 {
		t.Errorf("PanelTime = %d, want 1623831425", snap.PanelTime.Unix())
	}
	wantFloat(t, "Totals.Watts (total_watts)", snap.Totals.Watts, 1301)
	wantInt(t, "Totals.Licenses", snap.Totals.Licenses, 5)
	wantFloat(t, "Totals.Hash", snap.Totals.Hash, 4318.37)
	wantFloat(t, "Totals.CapacityPercent", snap.Totals.CapacityPercent, 92.9)
	if got := []string{snap.Totals.Miners[0].Miner, snap.Totals.Miners[1].Miner}; !slices.Equal(got, []string{"ethminer", "xmrig"}) {
		t.Errorf("miners = %v, want [ethminer xmrig]", got)
	}
	wantFloat(t, "ethminer Hash (string)", snap.Totals.Miners[0].Hash, 625.06)
	wantFloat(t, "xmrig Hash (string)", snap.Totals.Miners[1].Hash, 3693.31)

	gpuRig := findRig(t, snap, "9f20a1")
	wantFloat(t, "9f20a1 RigWatts", gpuRig.RigWatts, 1061)
	wantString(t, "9f20a1 PDUName", gpuRig.PDUName, "apc-rack3")
	wantString(t, "9f20a1 PDUPort (integer)", gpuRig.PDUPort, "4")
	wantString(t, "9f20a1 PDUIP", gpuRig.PDUIP, "10.3.0.250")
	wantString(t, "9f20a1 Flags", gpuRig.Flags, "--farm-recheck 200")
	if len(gpuRig.ExtTempsC) != 2 {
		t.Fatalf("ExtTempsC = %+v, want two probes", gpuRig.ExtTempsC)
	}
	wantFloat(t, "ext_temp1", gpuRig.ExtTempsC[0], 27)
	wantUnknown(t, "ext_temp2 (null)", gpuRig.ExtTempsC[1])
	wantFloat(t, "9f20a1 Hash (string)", gpuRig.Hash, 470.08)
	wantFloat(t, "9f20a1 GPU 3 FanPercent", gpuRig.GPUs[3].FanPercent.Opt(), 57)
	wantString(t, "9f20a1 GPU 3 Model", gpuRig.GPUs[3].Info().Model, "GeForce RTX 3070 LHR")
	wantString(t, "9f20a1 GPU 3 VBIOS", gpuRig.GPUs[3].Info().VBIOS, "94.04.3A.00.4B")

	cpu := findRig(t, snap, "c2e7d4")
	wantString(t, "c2e7d4 Miner", cpu.Miner, "xmrig")
	wantInt(t, "c2e7d4 GPUsDetected", cpu.GPUsDetected, 0)
	wantFloat(t, "c2e7d4 Hash", cpu.Hash, 3693.31)
	if len(cpu.GPUs) != 0 {
		t.Errorf("CPU rig has %d GPUs, want none: its two miner_hashes are CPU sockets", len(cpu.GPUs))
	}

	// An NVIDIA rig with a lost GPU collapses several lists to one "0".
	stuck := findRig(t, snap, "e51b09")
	if stuck.Condition != StuckMiners {
		t.Errorf("e51b09 Condition = %q, want stuck_miners", stuck.Condition)
	}
	wantString(t, "e51b09 Pool (missing)", stuck.Pool, "")
	wantUnknown(t, "e51b09 RigWatts (null)", stuck.RigWatts)
	wantFloat(t, "e51b09 GPU 0 TempC (collapsed list)", stuck.GPUs[0].TempC.Opt(), 0)
	for _, g := range stuck.GPUs[1:] {
		wantUnknown(t, "e51b09 TempC past the collapsed list", g.TempC.Opt())
		wantUnknown(t, "e51b09 Watts past the collapsed list", g.Watts.Opt())
	}
	wantFloat(t, "e51b09 GPU 2 Hash", stuck.GPUs[2].Hash.Opt(), 0)
	wantFloat(t, "e51b09 GPU 3 Hash", stuck.GPUs[3].Hash.Opt(), 31.10)
}

func TestDecodeEmptyFarm(t *testing.T) {
	snap := decodeFile(t, "empty-farm.json")
	if len(snap.Rigs) != 0 || len(snap.RigErrors) != 0 {
		t.Errorf("Rigs = %v, RigErrors = %v, want none", snap.Rigs, snap.RigErrors)
	}
	if snap.PanelClockKnown {
		t.Error("PanelClockKnown set for per_info []")
	}
	wantInt(t, "Totals.TotalRigs", snap.Totals.TotalRigs, 0)
}

// decodeString decodes one hand-written body.
func decodeString(t *testing.T, body string) Snapshot {
	t.Helper()
	snap, err := Decode([]byte(body), "test", fetchedAt)
	if err != nil {
		t.Fatalf("Decode(%s): %v", body, err)
	}
	return snap
}

// oneRig decodes a panel holding one rig "r1" with the given fields.
func oneRig(t *testing.T, fields string) Rig {
	t.Helper()
	snap := decodeString(t, `{"rigs":{"r1":{`+fields+`}}}`)
	if len(snap.Rigs) != 1 {
		t.Fatalf("got %d rigs, RigErrors %v", len(snap.Rigs), snap.RigErrors)
	}
	return snap.Rigs[0]
}

func TestDecodeNumberForms(t *testing.T) {
	tests := []struct {
		name  string
		value string
		want  float64
		known bool
	}{
		{"string", `"4044.3"`, 4044.3, true},
		{"integer", `4044`, 4044, true},
		{"float", `4044.25`, 4044.25, true},
		{"zero-padded string", `"05.23"`, 5.23, true},
		{"spaces around", `" 74.00 "`, 74, true},
		{"exponent", `1.5e3`, 1500, true},
		{"negative", `-3`, -3, true},
		{"many digits", `"123456789012345678"`, 123456789012345678, true},
		{"false", `false`, 0, false},
		{"true", `true`, 0, false},
		{"null", `null`, 0, false},
		{"empty string", `""`, 0, false},
		{"text", `"N/A"`, 0, false},
		{"hex", `"0x10"`, 0, false},
		{"infinity text", `"Inf"`, 0, false},
		{"NaN text", `"NaN"`, 0, false},
		{"overflow", `1e999`, 0, false},
		{"object", `{"a":1}`, 0, false},
		{"array", `[1,2]`, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rig := oneRig(t, `"hash":`+tt.value)
			if rig.Hash.Known != tt.known || rig.Hash.Value != tt.want {
				t.Errorf("Hash = %+v, want {%v %v}", rig.Hash, tt.want, tt.known)
			}
		})
	}
}

func TestDecodeMissingFieldsUnknown(t *testing.T) {
	rig := oneRig(t, `"condition":"mining"`)
	wantUnknown(t, "Hash", rig.Hash)
	wantUnknown(t, "GPUsDetected", rig.GPUsDetected)
	wantUnknown(t, "GPUsHashing", rig.GPUsHashing)
	wantUnknown(t, "Uptime", rig.Uptime)
	wantUnknown(t, "ReportAge", rig.ReportAge)
	if !rig.ServerTime.IsZero() {
		t.Errorf("ServerTime = %v, want zero", rig.ServerTime)
	}
	if len(rig.GPUs) != 0 {
		t.Errorf("GPUs = %v, want none", rig.GPUs)
	}
}

func TestDecodeCounts(t *testing.T) {
	tests := []struct {
		value string
		want  int
		known bool
	}{
		{`"6"`, 6, true},
		{`6`, 6, true},
		{`"6.0"`, 6, true},
		{`"6.5"`, 0, false},
		{`"-1"`, 0, false},
		{`"65"`, 0, false}, // beyond any real mining board
		{`false`, 0, false},
	}
	for _, tt := range tests {
		rig := oneRig(t, `"miner_instance":`+tt.value)
		if rig.GPUsHashing.Known != tt.known || rig.GPUsHashing.Value != tt.want {
			t.Errorf("miner_instance %s: GPUsHashing = %+v, want {%v %v}", tt.value, rig.GPUsHashing, tt.want, tt.known)
		}
	}
}

func TestDecodeGPUListsShorterThanGPUs(t *testing.T) {
	rig := oneRig(t, `"gpus":"4","miner_hashes":"30.1 30.2","temp":"60 61 62 63 64 65"`)
	if len(rig.GPUs) != 4 {
		t.Fatalf("len(GPUs) = %d, want 4 from gpus", len(rig.GPUs))
	}
	wantFloat(t, "GPU 1 Hash", rig.GPUs[1].Hash.Opt(), 30.2)
	wantUnknown(t, "GPU 2 Hash", rig.GPUs[2].Hash.Opt())
	wantUnknown(t, "GPU 3 Hash", rig.GPUs[3].Hash.Opt())
	wantFloat(t, "GPU 3 TempC", rig.GPUs[3].TempC.Opt(), 63)
	for i, g := range rig.GPUs {
		if g.Index != i {
			t.Errorf("GPUs[%d].Index = %d", i, g.Index)
		}
	}
}

func TestDecodeGPUCountUnknown(t *testing.T) {
	tests := []struct {
		name   string
		fields string
		want   int
	}{
		{"gpus missing, temp longer", `"miner_hashes":"30.1 30.2","temp":"60 61 62"`, 3},
		{"gpus false, hashes longer", `"gpus":false,"miner_hashes":"1 2 3 4 5","temp":"60"`, 5},
		{"gpus garbage", `"gpus":"many","miner_hashes":"1 2"`, 2},
		{"no lists", `"gpus":null`, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rig := oneRig(t, tt.fields)
			if len(rig.GPUs) != tt.want {
				t.Errorf("len(GPUs) = %d, want %d", len(rig.GPUs), tt.want)
			}
			wantUnknown(t, "GPUsDetected", rig.GPUsDetected)
		})
	}
}

func TestDecodeGPUListQuirks(t *testing.T) {
	rig := oneRig(t, `"gpus":"3","miner_hashes":"  05.23   x  7 ","temp":74,"watts":null,"fanrpm":false,"core":{"a":1},"bioses":"A B"`)
	wantFloat(t, "GPU 0 Hash (zero-padded)", rig.GPUs[0].Hash.Opt(), 5.23)
	wantUnknown(t, "GPU 1 Hash (unparsable entry)", rig.GPUs[1].Hash.Opt())
	wantFloat(t, "GPU 2 Hash", rig.GPUs[2].Hash.Opt(), 7)
	wantFloat(t, "GPU 0 TempC (single number for a list)", rig.GPUs[0].TempC.Opt(), 74)
	wantUnknown(t, "GPU 1 TempC", rig.GPUs[1].TempC.Opt())
	wantUnknown(t, "GPU 0 Watts (null)", rig.GPUs[0].Watts.Opt())
	wantUnknown(t, "GPU 0 FanRPM (false)", rig.GPUs[0].FanRPM.Opt())
	wantUnknown(t, "GPU 0 CoreMHz (object)", rig.GPUs[0].CoreMHz.Opt())
	wantString(t, "GPU 1 VBIOS", rig.GPUs[1].Info().VBIOS, "B")
	wantString(t, "GPU 2 VBIOS", rig.GPUs[2].Info().VBIOS, "")
}

func TestDecodeHugeGPUCountCapped(t *testing.T) {
	rig := oneRig(t, `"gpus":"100000000","miner_hashes":"1 2"`)
	wantUnknown(t, "GPUsDetected", rig.GPUsDetected)
	if len(rig.GPUs) != 2 {
		t.Errorf("len(GPUs) = %d, want 2 from the lists", len(rig.GPUs))
	}
}

func TestDecodeMeminfo(t *testing.T) {
	tests := []struct {
		name                      string
		meminfo                   string
		gpu                       int
		bus, model, vbios, memory string
	}{
		{"nvidia", `GPU0:01:00.0:GeForce GTX 1070:86.04.50.00.72:Unknown`, 0, "01:00.0", "GeForce GTX 1070", "86.04.50.00.72", "Unknown"},
		{"amd", `GPU1:08.00.0:Radeon RX 570:113-5E353FU-O4C:SK Hynix H5GC4H24AJR:GDDR5:Polaris10`, 1, "08.00.0", "Radeon RX 570", "113-5E353FU-O4C", "SK Hynix H5GC4H24AJR"},
		{"nvidia with domain", `GPU0:0000:0a:00.0:GeForce RTX 3070:94.04.25.00.2C:Unknown`, 0, "0000:0a:00.0", "GeForce RTX 3070", "94.04.25.00.2C", "Unknown"},
		{"line order differs from index", `GPU1:02:00.0:B:v2:m\nGPU0:01:00.0:A:v1:m`, 0, "01:00.0", "A", "v1", "m"},
		{"CRLF lines", `GPU0:01.00.0:Radeon RX 580:v:m\r\nGPU1:02.00.0:X:v:m`, 0, "01.00.0", "Radeon RX 580", "v", "m"},
		{"short line", `GPU0:01.00.0:Radeon RX 580`, 0, "01.00.0", "Radeon RX 580", "", ""},
		{"garbage lines ignored", `hello\nGPU:x\nGPUx:1:2\nGPU0:01:00.0:A:v:m`, 0, "01:00.0", "A", "v", "m"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rig := oneRig(t, `"gpus":"2","meminfo":"`+tt.meminfo+`"`)
			g := rig.GPUs[tt.gpu]
			wantString(t, "Bus", g.Info().Bus, tt.bus)
			wantString(t, "Model", g.Info().Model, tt.model)
			wantString(t, "VBIOS", g.Info().VBIOS, tt.vbios)
			wantString(t, "Memory", g.Info().Memory, tt.memory)
		})
	}
}

func TestDecodeMeminfoBeyondGPUsIgnored(t *testing.T) {
	rig := oneRig(t, `"gpus":"1","meminfo":"GPU0:01:00.0:A:v:m\nGPU7:08:00.0:B:v:m"`)
	if len(rig.GPUs) != 1 {
		t.Fatalf("len(GPUs) = %d, want 1", len(rig.GPUs))
	}
	wantString(t, "Model", rig.GPUs[0].Info().Model, "A")
}

func TestDecodeUnknownKeysIgnored(t *testing.T) {
	snap := decodeString(t, `{"future":{"x":[1,{"y":null}]},"rigs":{"r1":{"condition":"mining","new_field":[1,2],"hash":1}},"also_new":"x"}`)
	wantFloat(t, "Hash", snap.Rigs[0].Hash, 1)
}

func TestDecodeUnknownCondition(t *testing.T) {
	rig := oneRig(t, `"condition":"on_fire"`)
	if rig.Condition != "on_fire" || rig.Condition.Known() {
		t.Errorf("Condition = %q (known %v), want on_fire kept verbatim and unknown", rig.Condition, rig.Condition.Known())
	}
}

func TestDecodeRigsEmptyForms(t *testing.T) {
	for _, body := range []string{`{"rigs":[]}`, `{"rigs":{}}`, ` {"rigs" : [ ] } `} {
		snap := decodeString(t, body)
		if len(snap.Rigs) != 0 {
			t.Errorf("%s: %d rigs, want 0", body, len(snap.Rigs))
		}
	}
}

func TestDecodeRigErrors(t *testing.T) {
	snap := decodeString(t, `{"rigs":{
		"good":{"condition":"mining"},
		"str":"offline",
		"arr":[1,2],
		"num":5,
		"nul":null
	}}`)

	if got := rigIDs(snap); !slices.Equal(got, []string{"good"}) {
		t.Errorf("rigs = %v, want [good]", got)
	}
	var ids []string
	for _, e := range snap.RigErrors {
		ids = append(ids, e.RigID)
	}
	if !slices.Equal(ids, []string{"arr", "nul", "num", "str"}) {
		t.Fatalf("RigErrors ids = %v, want sorted [arr nul num str]", ids)
	}
	if msg := snap.RigErrors[3].Error(); msg != "rig str: value is a string, not an object" {
		t.Errorf("RigErrors[3] = %q", msg)
	}
	if msg := snap.RigErrors[0].Error(); msg != "rig arr: value is an array, not an object" {
		t.Errorf("RigErrors[0] = %q", msg)
	}
}

func TestDecodeDuplicateRigKeyLastWins(t *testing.T) {
	snap := decodeString(t, `{"rigs":{"r1":{"hash":1},"r2":{"hash":2},"r1":{"hash":3}}}`)
	if got := rigIDs(snap); !slices.Equal(got, []string{"r1", "r2"}) {
		t.Fatalf("rigs = %v", got)
	}
	wantFloat(t, "r1 Hash", snap.Rigs[0].Hash, 3)
}

func TestDecodeRigIDSanitised(t *testing.T) {
	snap := decodeString(t, `{"rigs":{"ab\u001b[31mcd":{"hash":1},"abcd":{"hash":2},"\u0007":{"hash":3}}}`)

	if got := rigIDs(snap); !slices.Equal(got, []string{"abcd"}) {
		t.Errorf("rigs = %v, want [abcd]", got)
	}
	if len(snap.RigErrors) != 2 {
		t.Fatalf("RigErrors = %v, want the collision and the empty id", snap.RigErrors)
	}
	// Document order decides which of two colliding ids is kept.
	wantFloat(t, "kept abcd Hash", snap.Rigs[0].Hash, 1)
	if !strings.Contains(snap.RigErrors[1].Error(), "same as rig") {
		t.Errorf("RigErrors[1] = %v, want the id collision", snap.RigErrors[1])
	}
	if !strings.Contains(snap.RigErrors[0].Error(), "empty") {
		t.Errorf("RigErrors[0] = %v, want the empty id", snap.RigErrors[0])
	}
}

func TestDecodeStringsSanitised(t *testing.T) {
	rig := oneRig(t, `"rack_loc":"evil\u001b]52;c;SGVsbG8=\u0007 rig\r\n","pool":"p\u202eool","miner":"\u200bclay","gpus":"1",`+
		`"meminfo":"GPU0:01:00.0:Ge\u001b[2JForce:v\u0000:m"`)
	wantString(t, "Label", rig.Label, "evil rig")
	wantString(t, "Pool", rig.Pool, "pool")
	wantString(t, "Miner", rig.Miner, "clay")
	wantString(t, "GPU 0 Model", rig.GPUs[0].Info().Model, "GeForce")
	wantString(t, "GPU 0 VBIOS", rig.GPUs[0].Info().VBIOS, "v")
}

func TestDecodeReportAge(t *testing.T) {
	t.Run("clamped at zero", func(t *testing.T) {
		snap := decodeString(t, `{"rigs":{"r":{"server_time":2000}},"per_info":{"m":{"current_time":1000}}}`)
		wantDuration(t, "ReportAge", snap.Rigs[0].ReportAge, 0)
	})
	t.Run("max current_time over miners", func(t *testing.T) {
		snap := decodeString(t, `{"rigs":{"r":{"server_time":1000}},"per_info":{"a":{"current_time":1100},"b":{"current_time":"1300"},"c":{"current_time":null},"d":false}}`)
		wantDuration(t, "ReportAge", snap.Rigs[0].ReportAge, 300*time.Second)
		if snap.Rigs[0].AgeFromLocalClock {
			t.Error("AgeFromLocalClock set with a panel clock")
		}
	})
	t.Run("local clock fallback", func(t *testing.T) {
		serverTime := fetchedAt.Add(-90 * time.Second).Unix()
		snap := decodeString(t, `{"rigs":{"r":{"server_time":`+strconv.FormatInt(serverTime, 10)+`}},"per_info":[]}`)
		if snap.PanelClockKnown || !snap.PanelTime.Equal(fetchedAt) {
			t.Errorf("PanelTime = %v known %v, want the fetch time, unknown", snap.PanelTime, snap.PanelClockKnown)
		}
		wantDuration(t, "ReportAge", snap.Rigs[0].ReportAge, 90*time.Second)
		if !snap.Rigs[0].AgeFromLocalClock {
			t.Error("AgeFromLocalClock not set")
		}
	})
	t.Run("server_time as string", func(t *testing.T) {
		snap := decodeString(t, `{"rigs":{"r":{"server_time":"1000"}},"per_info":{"a":{"current_time":1010}}}`)
		wantDuration(t, "ReportAge", snap.Rigs[0].ReportAge, 10*time.Second)
	})
	t.Run("server_time unusable", func(t *testing.T) {
		snap := decodeString(t, `{"rigs":{"r":{"server_time":0},"s":{"server_time":-5},"u":{"server_time":"soon"}},"per_info":{"a":{"current_time":1010}}}`)
		for _, r := range snap.Rigs {
			wantUnknown(t, r.ID+" ReportAge", r.ReportAge)
		}
	})
}

func TestDecodeDocumentErrors(t *testing.T) {
	tests := []struct {
		name   string
		body   string
		kind   ErrorKind
		offset int64
	}{
		{"empty", "", KindEmpty, -1},
		{"white space", " \r\n\t ", KindEmpty, -1},
		{"html", "\n  <!DOCTYPE html><html><body>Panel not found</body></html>", KindHTML, -1},
		{"html tag", "<html>", KindHTML, -1},
		{"array", `[{"rigs":{}}]`, KindNotPanel, -1},
		{"string", `"rigs"`, KindNotPanel, -1},
		{"no rigs", `{"total_hash":1}`, KindNotPanel, -1},
		{"rigs string", `{"rigs":"none"}`, KindNotPanel, -1},
		{"rigs non-empty array", `{"rigs":[{"condition":"mining"}]}`, KindNotPanel, -1},
		{"rigs null", `{"rigs":null}`, KindNotPanel, -1},
		{"syntax error", `{"rigs":{"a":{"hash":1,}}}`, KindInvalidJSON, 23},
		{"bad literal", `{"rigs":{}, "x": tru}`, KindInvalidJSON, 20},
		{"trailing data", `{"rigs":{}} x`, KindInvalidJSON, 12},
		{"unquoted key", `{rigs:{}}`, KindInvalidJSON, 1},
		{"bad escape", `{"rigs":{"a\q":{}}}`, KindInvalidJSON, 12},
		{"truncated in string", `{"rigs":{"a":{"condition":"min`, KindTruncated, 30},
		{"truncated after comma", `{"rigs":{"a":{},`, KindTruncated, 16},
		{"truncated number", `{"rigs":{"a":{"hash":1.`, KindTruncated, 23},
		{"syntax error wins over shape", `{"rigs":"x", "y": }`, KindInvalidJSON, 18},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode([]byte(tt.body), "test", fetchedAt)
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("Decode error = %v (%T), want *DecodeError", err, err)
			}
			if de.Kind != tt.kind {
				t.Errorf("Kind = %v, want %v (%v)", de.Kind, tt.kind, err)
			}
			if de.Offset != tt.offset {
				t.Errorf("Offset = %d, want %d (%v)", de.Offset, tt.offset, err)
			}
		})
	}
}

func TestDecodeInvalidJSONMessage(t *testing.T) {
	_, err := Decode([]byte(`{"rigs":{"a":{"hash":1,}}}`), "test", fetchedAt)
	want := `invalid JSON: invalid character '}' looking for beginning of object key string at byte 23`
	if err == nil || err.Error() != want {
		t.Errorf("error = %v, want %q", err, want)
	}
}

func TestDecodeDeepNesting(t *testing.T) {
	body := `{"rigs":{},"x":` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `}`
	_, err := Decode([]byte(body), "test", fetchedAt)
	var de *DecodeError
	if !errors.As(err, &de) || de.Kind != KindInvalidJSON {
		t.Fatalf("error = %v, want invalid JSON for nesting beyond the limit", err)
	}
}

func TestDecodeStringEscapes(t *testing.T) {
	rig := oneRig(t, `"rack_loc":"\uff11\u53f7\u6a5f \ud83d\ude80 a\/b \"q\" \\ \ud800x"`)
	wantString(t, "Label", rig.Label, "１号機 🚀 a/b \"q\" \\ \ufffdx")
}

func TestDecodeByteOrderMark(t *testing.T) {
	snap := decodeString(t, "\ufeff"+`{"rigs":{"r":{"hash":2}}}`)
	wantFloat(t, "Hash", snap.Rigs[0].Hash, 2)
}

func TestDecodeKeepsNoReferenceToBody(t *testing.T) {
	// Decode reads the body in place without copying it, so every string in
	// the snapshot must be its own copy: overwrite the body and compare.
	for _, name := range []string{"nvidia-3rigs.json", "amd-10rigs-one-unreachable.json", "ethos-2021-cpu-miner.json", "ethos-2017-rackloc-false.json"} {
		body := bytes.TrimSpace(readSample(t, name))
		body = append(body[:len(body)-1], []byte(`,"extra":{"rigs":1}}`)...)
		snap, err := Decode(body, "test", fetchedAt)
		if err != nil {
			t.Fatal(err)
		}
		before := fmt.Sprintf("%+v", snap)
		for i := range body {
			body[i] = 'X'
		}
		if after := fmt.Sprintf("%+v", snap); after != before {
			t.Errorf("%s: the snapshot changed when the body was overwritten", name)
		}
	}

	body := []byte(`{"rigs":{"ok":{"condition":"mining"},"bad":"x"}}`)
	snap, err := Decode(body, "test", fetchedAt)
	if err != nil {
		t.Fatal(err)
	}
	before := fmt.Sprintf("%+v", snap)
	for i := range body {
		body[i] = 'X'
	}
	if after := fmt.Sprintf("%+v", snap); after != before {
		t.Error("the rig errors changed when the body was overwritten")
	}
}

func TestDecodeRawControlCharactersAccepted(t *testing.T) {
	// Strict JSON forbids them raw inside strings; the decoder accepts them,
	// and Sanitize turns TAB and LF into spaces and drops the escape.
	rig := oneRig(t, "\"rack_loc\":\"a\tb\x1b[31m\nc\",\"gpus\":\"2\",\"miner_hashes\":\"1\t2\"")
	wantString(t, "Label", rig.Label, "a b c")
	wantFloat(t, "GPU 1 Hash (tab-separated)", rig.GPUs[1].Hash.Opt(), 2)
}

func TestGatherRigs(t *testing.T) {
	newRigs := func(n int) []Rig {
		rigs := make([]Rig, n)
		for i := range rigs {
			rigs[i].ID = fmt.Sprint(i)
		}
		return rigs
	}
	ids := func(rigs []Rig) string {
		var b strings.Builder
		for _, r := range rigs {
			b.WriteString(r.ID + " ")
		}
		return strings.TrimSpace(b.String())
	}

	for _, tc := range []struct {
		n    int
		keep []int
		want string
	}{
		{10, []int{7, 2, 9, 0}, "7 2 9 0"},
		{5, []int{4, 3, 2, 1, 0}, "4 3 2 1 0"},
		{5, []int{1, 2, 0, 4, 3}, "1 2 0 4 3"},
		{4, []int{0, 1, 2, 3}, "0 1 2 3"},
		{3, []int{}, ""},
		{0, nil, ""},
	} {
		rigs := newRigs(tc.n)
		got := gatherRigs(rigs, tc.keep)
		if ids(got) != tc.want {
			t.Errorf("gatherRigs(%d rigs, keep %v) = %q, want %q", tc.n, tc.keep, ids(got), tc.want)
		}
		if cap(got) != len(tc.keep) {
			t.Errorf("keep %v: cap = %d, want %d so that an append cannot reach a dropped rig", tc.keep, cap(got), len(tc.keep))
		}
		for i := len(tc.keep); i < tc.n; i++ {
			if rigs[i].ID != "" {
				t.Errorf("keep %v: slot %d still holds rig %q, want it cleared", tc.keep, i, rigs[i].ID)
			}
		}
	}
}

func TestGPUInfoSharedAcrossRigs(t *testing.T) {
	// Rigs a and b have the same card in slot 0. Rig c has it too, but its
	// bioses list names another BIOS, which wins over the meminfo line's.
	const meminfo = `"meminfo":"GPU0:01:00.0:GeForce GTX 1070:86.04.50.00.72:Unknown"`
	snap := decodeString(t, `{"rigs":{`+
		`"a":{"gpus":"1",`+meminfo+`},`+
		`"b":{"gpus":"1",`+meminfo+`},`+
		`"c":{"gpus":"1","bioses":"86.04.99.00.01",`+meminfo+`},`+
		`"d":{"gpus":"2","bioses":"V1 V2"}}}`)
	a, b, c, d := findRig(t, snap, "a"), findRig(t, snap, "b"), findRig(t, snap, "c"), findRig(t, snap, "d")

	want := GPUInfo{Model: "GeForce GTX 1070", Bus: "01:00.0", VBIOS: "86.04.50.00.72", Memory: "Unknown"}
	if got := a.GPUs[0].Info(); got != want {
		t.Errorf("a GPU 0 = %+v, want %+v", got, want)
	}
	if got := b.GPUs[0].Info(); got != want {
		t.Errorf("b GPU 0 = %+v, want %+v", got, want)
	}
	if a.GPUs[0].info != b.GPUs[0].info {
		t.Error("a and b GPU 0 hold two copies of the same details")
	}

	want.VBIOS = "86.04.99.00.01"
	if got := c.GPUs[0].Info(); got != want {
		t.Errorf("c GPU 0 = %+v, want %+v", got, want)
	}
	if got := a.GPUs[0].Info().VBIOS; got != "86.04.50.00.72" {
		t.Errorf("a GPU 0 VBIOS = %q after c's bioses list, want the meminfo line's", got)
	}

	if got := d.GPUs[1].Info(); got != (GPUInfo{VBIOS: "V2"}) {
		t.Errorf("d GPU 1 = %+v, want only VBIOS V2", got)
	}
}

func TestGPUInfoUnknown(t *testing.T) {
	snap := decodeString(t, `{"rigs":{"a":{"gpus":"2","miner_hashes":"30 31"}}}`)
	if got := findRig(t, snap, "a").GPUs[1].Info(); got != (GPUInfo{}) {
		t.Errorf("GPU 1 = %+v, want zero", got)
	}
	if got := (GPU{}).Info(); got != (GPUInfo{}) {
		t.Errorf("zero GPU Info = %+v, want zero", got)
	}
}
