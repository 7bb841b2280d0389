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
