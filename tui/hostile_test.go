package tui

import (
	"strings"
	"testing"
	"time"

	"rigtop/panel"
)

// A panel whose text fields carry terminal control sequences: clear screen,
// a window title, an OSC 52 clipboard write, cursor moves, BEL, backspace,
// CR, a bidirectional override and a zero-width space.
const hostilePanel = `{"rigs":{"evil01":{"condition":"mining\u001b[2J","rack_loc":"rig\u001b]0;pwned\u0007\u001b]52;c;aGk=\u0007one",
"miner":"clay\u001b[10Amore","pool":"pool\r\u0008\u0008x\u202eevil\u200b","ip":"10.0.0.1\u001b[H","gpus":"1","miner_instance":"1",
"hash":"30.1","miner_hashes":"30.1","temp":"60","server_time":1504924878,"meminfo":"GPU0:01:00.0:GeForce\u001b[31m GTX 1070:86:x",
"version":"1.2.4\u0007","driver":"nvidia"}},"per_info":{"claymore":{"current_time":1504924911}}}`

func TestHostileTextNeverReachesTerminal(t *testing.T) {
	snap, err := panel.Decode([]byte(hostilePanel), "farm1", time.Unix(1504924911, 0))
	if err != nil {
		t.Fatal(err)
	}
	m := newTestModel(t, "en", 120, 35, cycleOf(snap))
	views := map[string]string{"table": m.View()}
	m = press(t, m, "enter")
	views["detail"] = m.View()
	m = press(t, m, "esc", "a")
	views["alerts"] = m.View()

	for name, view := range views {
		for _, bad := range []string{"\x1b", "\a", "\b", "\r", "\u202e", "\u200b"} {
			if strings.Contains(view, bad) {
				t.Errorf("%s view contains %q:\n%q", name, bad, view)
			}
		}
	}
	if !strings.Contains(views["table"], "rig") {
		t.Errorf("the rig vanished instead of being shown cleaned:\n%s", views["table"])
	}
}

func TestNegativeReadingsMarked(t *testing.T) {
	// A broken sensor reports -128 °C, and a miner bug a negative rate.
	const body = `{"rigs":{"neg01":{"condition":"mining","gpus":"2","miner_instance":"2","hash":"-12.5",
"miner_hashes":"-3.25 30.10","temp":"-128 61","fanrpm":"-1 1500","server_time":1504924878}},
"per_info":{"claymore":{"current_time":1504924911}}}`
	snap, err := panel.Decode([]byte(body), "farm1", time.Unix(1504924911, 0))
	if err != nil {
		t.Fatal(err)
	}
	m := newTestModel(t, "en", 120, 35, cycleOf(snap))
	if row := lineWith(m.View(), "neg01"); !strings.Contains(row, "-12.5?") {
		t.Errorf("table row does not mark the negative hash rate -12.5:\n%s", row)
	}

	detail := press(t, m, "enter").View()
	gpu0 := lineWith(detail, "-3.25?")
	if gpu0 == "" {
		t.Fatalf("detail does not mark GPU 0's hash rate -3.25:\n%s", detail)
	}
	for _, want := range []string{"-128?", "-1?"} {
		if !strings.Contains(gpu0, want) {
			t.Errorf("GPU 0 line lacks %q: %q", want, gpu0)
		}
	}
	// GPU 1 has no power or clock readings, shown as "?", but none of its
	// readings is negative.
	gpu1 := lineWith(detail, "30.10")
	if gpu1 == "" || !strings.Contains(gpu1, " 61 ") || strings.Contains(gpu1, "-") {
		t.Errorf("GPU 1 line = %q, want 30.10 and 61 and no negative value", gpu1)
	}
}
