package panel

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"
)

var farmStart = time.Date(2018, 3, 1, 12, 0, 0, 0, time.UTC)

// farmAt decodes the simulated farm elapsed seconds after its start.
func farmAt(t *testing.T, elapsed int) Snapshot {
	t.Helper()
	now := farmStart.Add(time.Duration(elapsed) * time.Second)
	snap, err := Decode(NewDemoFarm(farmStart).PanelJSON(now), "demo", now)
	if err != nil {
		t.Fatalf("decode farm at %d s: %v", elapsed, err)
	}
	return snap
}

func TestFarmAtStart(t *testing.T) {
	snap := farmAt(t, 0)

	if len(snap.Rigs) != 12 || len(snap.RigErrors) != 0 {
		t.Fatalf("%d rigs, RigErrors %v; want 12 rigs", len(snap.Rigs), snap.RigErrors)
	}
	totalGPUs := 0
	for _, r := range snap.Rigs {
		if r.Condition != Mining {
			t.Errorf("rig %s is %s at start, want mining", r.ID, r.Condition)
		}
		if r.GPUsHashing != r.GPUsDetected || len(r.GPUs) != r.GPUsDetected.Value {
			t.Errorf("rig %s: %v of %v hashing, %d GPUs", r.ID, r.GPUsHashing, r.GPUsDetected, len(r.GPUs))
		}
		for _, g := range r.GPUs {
			if g.Info().Model == "" || g.Info().Bus == "" || !g.Hash.Known() || g.Hash.Value() < 20 || g.Hash.Value() > 65 {
				t.Errorf("rig %s GPU %d: model %q bus %q hash %v", r.ID, g.Index, g.Info().Model, g.Info().Bus, g.Hash.Opt())
			}
			if !g.TempC.Known() || g.TempC.Value() < 50 || g.TempC.Value() > 80 {
				t.Errorf("rig %s GPU %d: temperature %v", r.ID, g.Index, g.TempC.Opt())
			}
		}
		totalGPUs += len(r.GPUs)
	}
	// 6+8+4+6+6+6+6+8+8+6+6+4 GPUs in farmRigs.
	if totalGPUs != 74 {
		t.Errorf("%d GPUs, want 74", totalGPUs)
	}
	wantInt(t, "Totals.TotalGPUs", snap.Totals.TotalGPUs, 74)
	wantInt(t, "Totals.AliveGPUs", snap.Totals.AliveGPUs, 74)
	wantInt(t, "Totals.AliveRigs", snap.Totals.AliveRigs, 12)
	if !snap.PanelClockKnown || !snap.PanelTime.Equal(farmStart) {
		t.Errorf("PanelTime = %v (known %v), want the start", snap.PanelTime, snap.PanelClockKnown)
	}

	wantString(t, "1a2b3c label", findRig(t, snap, "1a2b3c").Label, "１号機")
	wantString(t, "7a8b9c label", findRig(t, snap, "7a8b9c").Label, "サブPC")
	wantString(t, "e3f4a5 Name()", findRig(t, snap, "e3f4a5").Name(), "e3f4a5")
	wantString(t, "7a8b9c GPU 0 model", findRig(t, snap, "7a8b9c").GPUs[0].Info().Model, "GeForce GTX 1080 Ti")
	wantString(t, "d0e1f2 GPU 0 model", findRig(t, snap, "d0e1f2").GPUs[0].Info().Model, "Radeon RX Vega 64")
	wantString(t, "a1b2c3 GPU 0 bus", findRig(t, snap, "a1b2c3").GPUs[0].Info().Bus, "01.00.0")
	wantString(t, "1a2b3c GPU 3 bus", findRig(t, snap, "1a2b3c").GPUs[3].Info().Bus, "05:00.0")
	// AMD rigs before ethOS 1.3 do not report power.
	wantUnknown(t, "a1b2c3 (1.2.9) GPU watts", findRig(t, snap, "a1b2c3").GPUs[0].Watts.Opt())
	if w := findRig(t, snap, "d0e1f2").GPUs[0].Watts.Opt(); !w.Known {
		t.Error("d0e1f2 (1.3.3) GPU watts unknown")
	}
}

func TestFarmJSONLooksLikeThePanel(t *testing.T) {
	body := NewDemoFarm(farmStart).PanelJSON(farmStart.Add(100 * time.Second))

	if !bytes.Contains(body, []byte(`"rack_loc":"\uff11\u53f7\u6a5f"`)) {
		t.Error(`labels are not \u-escaped as PHP writes them`)
	}
	if !bytes.Contains(body, []byte(`RTL8111\/8168\/8411`)) {
		t.Error(`"/" is not escaped as PHP writes it`)
	}

	var doc struct {
		Rigs    map[string]map[string]any `json:"rigs"`
		PerInfo map[string]map[string]any `json:"per_info"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	for id, rig := range doc.Rigs {
		for _, key := range []string{"gpus", "uptime", "miner_hashes", "temp", "load", "cpu_temp", "ram"} {
			if _, ok := rig[key].(string); !ok {
				t.Errorf("rig %s %s = %#v, want a string as the panel sends it", id, key, rig[key])
			}
		}
		for _, key := range []string{"server_time", "hash", "freespace", "miner_secs"} {
			if _, ok := rig[key].(float64); !ok {
				t.Errorf("rig %s %s = %#v, want a number", id, key, rig[key])
			}
		}
	}
	if _, ok := doc.Rigs["1a2b3c"]["miner_instance"].(float64); !ok {
		t.Errorf("claymore NVIDIA rig miner_instance = %#v, want a number", doc.Rigs["1a2b3c"]["miner_instance"])
	}
	if _, ok := doc.Rigs["a1b2c3"]["miner_instance"].(string); !ok {
		t.Errorf("ethminer AMD rig miner_instance = %#v, want a string", doc.Rigs["a1b2c3"]["miner_instance"])
	}
	if doc.Rigs["a1b2c3"]["watts"] != nil {
		t.Errorf("ethOS 1.2.9 AMD rig watts = %#v, want null", doc.Rigs["a1b2c3"]["watts"])
	}
	for _, miner := range []string{"claymore", "ethminer"} {
		if ct, _ := doc.PerInfo[miner]["current_time"].(float64); int64(ct) != farmStart.Unix()+100 {
			t.Errorf("per_info.%s.current_time = %v, want %d", miner, ct, farmStart.Unix()+100)
		}
	}
}

func TestFarmIsDeterministic(t *testing.T) {
	now := farmStart.Add(1234 * time.Second)
	a := NewDemoFarm(farmStart).PanelJSON(now)
	b := NewDemoFarm(farmStart).PanelJSON(now)
	if !bytes.Equal(a, b) {
		t.Error("two farms with the same start render the same moment differently")
	}
	if c := NewDemoFarm(farmStart).PanelJSON(now.Add(time.Minute)); bytes.Equal(a, c) {
		t.Error("the farm does not change in a minute")
	}
}

func TestFarmReportLag(t *testing.T) {
	for elapsed := 0; elapsed < 2*storyCycle; elapsed += 7 {
		for _, r := range farmAt(t, elapsed).Rigs {
			if r.Condition == Unreachable {
				continue
			}
			if age := r.ReportAge.Value; !r.ReportAge.Known || age < 2*time.Second || age > 170*time.Second {
				t.Fatalf("at %d s rig %s report age %v, want 2 s to 170 s", elapsed, r.ID, r.ReportAge)
			}
		}
	}
}

func TestFarmStory(t *testing.T) {
	// Rig report times: 1a2b3c every 15 s from 0; b4c5d6 every 12 s from 4;
	// 7a8b9c every 10 s from 4; e3f4a5 every 10 s from 9; 0b1c2d every 15 s
	// from 3. Each check below picks a moment whose last report falls in the
	// scripted window.
	t.Run("GPU dies at 20 s", func(t *testing.T) {
		rig := findRig(t, farmAt(t, 40), "1a2b3c") // last report at 30 s
		if rig.Condition != Mining {
			t.Errorf("Condition = %q, want mining", rig.Condition)
		}
		wantInt(t, "GPUsHashing", rig.GPUsHashing, 5)
		wantFloat(t, "GPU 2 Hash", rig.GPUs[2].Hash.Opt(), 0)
		if h := rig.GPUs[1].Hash.Opt(); !h.Known || h.Value < 29 {
			t.Errorf("GPU 1 Hash = %v, want it still hashing", h)
		}
		if before := findRig(t, farmAt(t, 14), "1a2b3c"); before.GPUsHashing.Value != 6 {
			t.Errorf("at 14 s GPUsHashing = %v, want 6", before.GPUsHashing)
		}
	})

	t.Run("miner stalls at 35 s and recovers at 95 s", func(t *testing.T) {
		stalled := findRig(t, farmAt(t, 60), "b4c5d6") // report at 52 s
		if stalled.Condition != NoHash {
			t.Errorf("at 60 s Condition = %q, want no_hash", stalled.Condition)
		}
		wantFloat(t, "Hash", stalled.Hash, 0)
		wantInt(t, "GPUsHashing", stalled.GPUsHashing, 0)

		recovered := findRig(t, farmAt(t, 110), "b4c5d6") // report at 100 s
		if recovered.Condition != Mining || recovered.Hash.Value < 150 {
			t.Errorf("at 110 s: %s with hash %v, want mining again", recovered.Condition, recovered.Hash)
		}
	})

	t.Run("rig reboots at 50 s", func(t *testing.T) {
		booting := findRig(t, farmAt(t, 60), "e3f4a5") // report at 59 s
		if booting.Condition != JustBooted {
			t.Errorf("at 60 s Condition = %q, want just_booted", booting.Condition)
		}
		wantDuration(t, "Uptime", booting.Uptime, 9*time.Second)
		wantFloat(t, "Hash before the miner starts", booting.Hash, 0)

		hashing := findRig(t, farmAt(t, 100), "e3f4a5") // report at 99 s
		if hashing.Condition != JustBooted || hashing.Hash.Value < 200 {
			t.Errorf("at 100 s: %s with hash %v, want just_booted and hashing", hashing.Condition, hashing.Hash)
		}

		back := findRig(t, farmAt(t, 180), "e3f4a5") // report at 179 s
		if back.Condition != Mining {
			t.Errorf("at 180 s Condition = %q, want mining", back.Condition)
		}
		wantDuration(t, "Uptime", back.Uptime, 129*time.Second)
	})

	t.Run("GPU overheats from 70 s", func(t *testing.T) {
		throttled := findRig(t, farmAt(t, 105), "7a8b9c") // report at 104 s
		if throttled.Condition != Throttle {
			t.Errorf("at 105 s Condition = %q, want throttle", throttled.Condition)
		}
		// 68 °C + 34 s × 0.45 °C/s = 83.3 °C, written as an NVIDIA integer.
		wantFloat(t, "GPU 1 TempC", throttled.GPUs[1].TempC.Opt(), 83)

		overheated := findRig(t, farmAt(t, 125), "7a8b9c") // report at 124 s
		if overheated.Condition != Overheat {
			t.Errorf("at 125 s Condition = %q, want overheat", overheated.Condition)
		}
		if temp := overheated.GPUs[1].TempC.Value(); temp < 86 {
			t.Errorf("at 125 s GPU 1 TempC = %v, want 86 or more", temp)
		}
		wantFloat(t, "Hash", overheated.Hash, 0)

		if cool := findRig(t, farmAt(t, 230), "7a8b9c"); cool.Condition != Mining {
			t.Errorf("at 230 s Condition = %q, want mining", cool.Condition)
		}
	})

	t.Run("rig drops off at 90 s", func(t *testing.T) {
		// Its last report before 90 s was at 78 s; server_time is 2 s earlier.
		for _, tc := range []struct{ at, age int }{{100, 24}, {200, 124}, {279, 203}} {
			rig := findRig(t, farmAt(t, tc.at), "0b1c2d")
			if rig.Condition != Unreachable {
				t.Errorf("at %d s Condition = %q, want unreachable", tc.at, rig.Condition)
			}
			wantDuration(t, "ReportAge", rig.ReportAge, time.Duration(tc.age)*time.Second)
			wantFloat(t, "Hash", rig.Hash, 0)
			wantInt(t, "GPUsHashing", rig.GPUsHashing, 0)
		}
		snap := farmAt(t, 200)
		wantInt(t, "Totals.AliveRigs", snap.Totals.AliveRigs, 11)

		if back := findRig(t, farmAt(t, 290), "0b1c2d"); back.Condition != Mining {
			t.Errorf("at 290 s Condition = %q, want mining", back.Condition)
		}
	})

	t.Run("story repeats every five minutes", func(t *testing.T) {
		for _, at := range []int{40, 60, 105, 125, 200} {
			first, later := farmAt(t, at), farmAt(t, at+3*storyCycle)
			for i := range first.Rigs {
				if first.Rigs[i].Condition != later.Rigs[i].Condition || first.Rigs[i].GPUsHashing != later.Rigs[i].GPUsHashing {
					t.Errorf("rig %s at %d s: %s %v, three cycles later %s %v", first.Rigs[i].ID, at,
						first.Rigs[i].Condition, first.Rigs[i].GPUsHashing, later.Rigs[i].Condition, later.Rigs[i].GPUsHashing)
				}
			}
		}
	})
}

func TestFarmSource(t *testing.T) {
	now := farmStart.Add(60 * time.Second)
	src := NewDemoFarm(farmStart).Source("demo", func() time.Time { return now })
	wantString(t, "Name()", src.Name(), "demo")

	snap, err := src.Fetch(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if snap.Source != "demo" || !snap.FetchedAt.Equal(now) || len(snap.Rigs) != 12 {
		t.Errorf("Source %q, FetchedAt %v, %d rigs", snap.Source, snap.FetchedAt, len(snap.Rigs))
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = src.Fetch(ctx)
	wantFetchError(t, err, KindCanceled)
}
