package alert

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"rigtop/locale"
	"rigtop/panel"
)

func TestDescribeEveryKind(t *testing.T) {
	fetchErr := &panel.FetchError{URL: "http://abc123.ethosdistro.com/?json=yes", Kind: panel.KindHTTPStatus, Status: 502, Offset: -1}
	tests := []struct {
		name   string
		alert  Alert
		en, ja string
	}{
		{
			name: "gpu hot",
			alert: Alert{Key: gpuKey("farm", "496406", 3, KindGPUHot), RigLabel: "rig2",
				Values: Values{TempC: 86, Threshold: 85}},
			en: "rig2 (496406): GPU 3 hot, 86 °C ≥ 85 °C",
			ja: "rig2 (496406): GPU 3 が高温 86 °C（しきい値 85 °C）",
		},
		{
			name: "failure condition",
			alert: Alert{Key: rigKey("farm", "f547c3", KindCondition), RigLabel: "rig1",
				Values: Values{Condition: panel.StuckMiners}},
			en: "rig1 (f547c3): miner stuck [stuck_miners]",
			ja: "rig1 (f547c3): マイナー停止 [stuck_miners]",
		},
		{
			name: "unknown condition shown raw",
			alert: Alert{Key: rigKey("farm", "f547c3", KindCondition), RigLabel: "rig1",
				Values: Values{Condition: "maintenance"}},
			en: "rig1 (f547c3): unknown condition [maintenance]",
			ja: "rig1 (f547c3): 不明な状態 [maintenance]",
		},
		{
			name: "just booted without label",
			alert: Alert{Key: rigKey("farm", "a40001", KindCondition), RigLabel: "a40001",
				Values: Values{Condition: panel.JustBooted, Age: 16 * time.Minute, Limit: 15 * time.Minute}},
			en: "a40001: still just booted after 16m, longer than 15m [just_booted]",
			ja: "a40001: 起動直後の状態が 16分 続いています（猶予 15分）[just_booted]",
		},
		{
			name: "stale",
			alert: Alert{Key: rigKey("farm", "a10006", KindStale), RigLabel: "r1_15",
				Values: Values{Age: 6*time.Hour + 4*time.Minute + 59*time.Second, Limit: 10 * time.Minute}},
			en: "r1_15 (a10006): no report for 6h 4m, longer than 10m",
			ja: "r1_15 (a10006): 6時間4分 報告がありません（しきい値 10分）",
		},
		{
			name: "stale for days",
			alert: Alert{Key: rigKey("farm", "a10006", KindStale), RigLabel: "a10006",
				Values: Values{Age: 51*time.Hour + 59*time.Minute, Limit: 90 * time.Second}},
			en: "a10006: no report for 2d 3h, longer than 1m",
			ja: "a10006: 2日3時間 報告がありません（しきい値 1分）",
		},
		{
			name: "gpu dead",
			alert: Alert{Key: gpuKey("farm", "f547c3", 1, KindGPUDead), RigLabel: "rig1",
				Values: Values{Unit: "MH/s"}},
			en: "rig1 (f547c3): GPU 1 dead, 0 MH/s while the rig mines",
			ja: "rig1 (f547c3): GPU 1 が停止（0 MH/s、リグは採掘中）",
		},
		{
			name: "fewer gpus hashing",
			alert: Alert{Key: rigKey("farm", "496406", KindGPUDead), RigLabel: "rig2",
				Values: Values{Hashing: 11, Detected: 13}},
			en: "rig2 (496406): only 11 of 13 GPUs hashing",
			ja: "rig2 (496406): GPU 13枚中 11枚のみ採掘中",
		},
		{
			name: "gpu slow",
			alert: Alert{Key: gpuKey("farm", "496406", 3, KindGPUSlow), RigLabel: "rig2",
				Values: Values{Hash: 12.1, Median: 18.4, SharePct: 70, Unit: "MH/s"}},
			en: "rig2 (496406): GPU 3 slow, 12.10 MH/s < 70 % of its median 18.40 MH/s",
			ja: "rig2 (496406): GPU 3 のハッシュレート低下 12.10 MH/s（中央値 18.40 MH/s の 70 % 未満）",
		},
		{
			name: "fan stopped",
			alert: Alert{Key: gpuKey("farm", "496406", 3, KindFanStopped), RigLabel: "rig2",
				Values: Values{TempC: 63, Threshold: 50}},
			en: "rig2 (496406): GPU 3 fan stopped at 63 °C",
			ja: "rig2 (496406): GPU 3 のファンが停止（63 °C）",
		},
		{
			name: "hash drop in another unit",
			alert: Alert{Key: rigKey("farm", "496406", KindHashDrop), RigLabel: "rig2",
				Values: Values{Hash: 150.2, Median: 255.17, SharePct: 80, Unit: "Sol/s"}},
			en: "rig2 (496406): hash rate dropped, 150.20 Sol/s < 80 % of its median 255.17 Sol/s",
			ja: "rig2 (496406): ハッシュレート低下 150.20 Sol/s（中央値 255.17 Sol/s の 80 % 未満）",
		},
		{
			name: "source unreachable",
			alert: Alert{Key: Key{Panel: "abc123", GPU: NoGPU, Kind: KindUnreachable},
				Values: Values{Age: 12 * time.Minute, Err: fetchErr, Error: fetchErr.Error()}},
			en: "Panel abc123 unreachable for 12m: http://abc123.ethosdistro.com/?json=yes returned HTTP status 502",
			ja: "パネル abc123 に 12分 接続できません: http://abc123.ethosdistro.com/?json=yes が HTTP ステータス 502 を返しました",
		},
		{
			name: "restored source alert keeps the error text",
			alert: Alert{Key: Key{Panel: "abc123", GPU: NoGPU, Kind: KindUnreachable},
				Values: Values{Age: 45 * time.Second, Error: "fetch x: HTTP status 502 Bad Gateway"}},
			en: "Panel abc123 unreachable for 45s: fetch x: HTTP status 502 Bad Gateway",
			ja: "パネル abc123 に 45秒 接続できません: fetch x: HTTP status 502 Bad Gateway",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Describe(en, tt.alert); got != tt.en {
				t.Errorf("Describe(en) =\n%q\nwant\n%q", got, tt.en)
			}
			if got := Describe(ja, tt.alert); got != tt.ja {
				t.Errorf("Describe(ja) =\n%q\nwant\n%q", got, tt.ja)
			}
		})
	}
}

func TestDescribeKeepsOneLine(t *testing.T) {
	a := Alert{Key: gpuKey("farm", "id\r\n1", 0, KindGPUHot), RigLabel: "rig\n2\u202e\x1b",
		Values: Values{TempC: 90, Threshold: 85}}
	got := Describe(en, a)
	want := "rig 2   (id  1): GPU 0 hot, 90 °C ≥ 85 °C"
	if got != want {
		t.Errorf("Describe = %q, want %q", got, want)
	}
}

func TestNamesCoverEveryValue(t *testing.T) {
	kinds := []Kind{KindCondition, KindStale, KindGPUDead, KindGPUSlow, KindGPUHot, KindFanStopped, KindHashDrop, KindUnreachable}
	conditions := []panel.Condition{panel.Mining, panel.JustBooted, panel.Throttle, panel.AutoRebooted,
		panel.HighLoad, panel.Unreachable, panel.StuckMiners, panel.NoHash, panel.Overheat, "weird"}
	for _, p := range []*locale.Printer{en, ja} {
		for _, k := range kinds {
			if got := KindName(p, k); strings.HasPrefix(got, "[") {
				t.Errorf("KindName(%s, %s) = %q: missing message", p.Tag(), k, got)
			}
		}
		for _, c := range conditions {
			if got := ConditionName(p, c); strings.HasPrefix(got, "[") {
				t.Errorf("ConditionName(%s, %s) = %q: missing message", p.Tag(), c, got)
			}
		}
		for s := SeverityNone; s <= SeverityUnknown; s++ {
			if got := SeverityName(p, s); strings.HasPrefix(got, "[") {
				t.Errorf("SeverityName(%s, %d) = %q: missing message", p.Tag(), s, got)
			}
		}
		for s := StatePending; s <= StateResolved; s++ {
			if got := StateName(p, s); strings.HasPrefix(got, "[") {
				t.Errorf("StateName(%s, %d) = %q: missing message", p.Tag(), s, got)
			}
		}
	}
	if got := KindName(ja, KindGPUHot); got != "GPU 高温" {
		t.Errorf("KindName(ja, gpu_hot) = %q", got)
	}
	if got := ConditionName(en, panel.Overheat); got != "overheated" {
		t.Errorf("ConditionName(en, overheat) = %q", got)
	}
	if got := ConditionName(ja, "weird"); got != "不明な状態" {
		t.Errorf("ConditionName(ja, weird) = %q", got)
	}
	if got := SeverityName(ja, SeverityCritical); got != "重大" {
		t.Errorf("SeverityName(ja, critical) = %q", got)
	}
}

// downAlerts are three rigs down in one poll, in key order rig1, rig4, 1号機.
func downAlerts() []Alert {
	return []Alert{
		{Key: rigKey("farm", "a00001", KindCondition), RigLabel: "rig1", Severity: SeverityCritical,
			State: StateFiring, Values: Values{Condition: panel.Unreachable}},
		{Key: rigKey("farm", "a00004", KindStale), RigLabel: "rig4", Severity: SeverityCritical,
			State: StateFiring, Values: Values{Age: time.Hour, Limit: 10 * time.Minute}},
		{Key: rigKey("farm", "b00001", KindCondition), RigLabel: "1号機", Severity: SeverityCritical,
			State: StateFiring, Values: Values{Condition: panel.NoHash}},
	}
}

func TestHeadline(t *testing.T) {
	hot := Alert{Key: gpuKey("farm", "496406", 3, KindGPUHot), RigLabel: "rig2", Severity: SeverityCritical,
		State: StateFiring, Values: Values{TempC: 86, Threshold: 85}}
	recovered := Alert{Key: rigKey("farm", "c00003", KindCondition), RigLabel: "rig3",
		State: StateResolved, Values: Values{Condition: panel.Throttle}}
	unreachable := Alert{Key: Key{Panel: "abc123", GPU: NoGPU, Kind: KindUnreachable},
		Severity: SeverityUnknown, State: StateFiring}
	staleAndDown := append(downAlerts(), Alert{Key: rigKey("farm", "a00001", KindStale), RigLabel: "rig1",
		Severity: SeverityCritical, State: StateFiring})

	var seven []Alert
	for i := 1; i <= 7; i++ {
		seven = append(seven, Alert{Key: rigKey("farm", fmt.Sprintf("r%d", i), KindCondition),
			RigLabel: fmt.Sprintf("r%d", i), Severity: SeverityCritical, State: StateFiring,
			Values: Values{Condition: panel.Unreachable}})
	}

	tests := []struct {
		name   string
		n      Notification
		en, ja string
	}{
		{"three rigs down", Notification{Firing: downAlerts()},
			"3 rigs down: rig1, rig4, 1号機", "リグ3台が停止: rig1、rig4、1号機"},
		{"rig counted once", Notification{Firing: staleAndDown},
			"3 rigs down: rig1, rig4, 1号機", "リグ3台が停止: rig1、rig4、1号機"},
		{"single alert", Notification{Firing: []Alert{hot}},
			"rig2 (496406): GPU 3 hot, 86 °C ≥ 85 °C", "rig2 (496406): GPU 3 が高温 86 °C（しきい値 85 °C）"},
		{"recovered", Notification{Resolved: []Alert{recovered}},
			"Recovered: rig3", "復旧: rig3"},
		{"mixed", Notification{Firing: []Alert{hot, downAlerts()[0], unreachable}, Resolved: []Alert{recovered}},
			"Panel unreachable: abc123; 1 rig down: rig1; 1 rig with problems: rig2; Recovered: rig3",
			"パネル1件に接続できません: abc123 / リグ1台が停止: rig1 / リグ1台に異常: rig2 / 復旧: rig3"},
		{"long list cut", Notification{Firing: seven},
			"7 rigs down: r1, r2, r3, r4, r5, +2 more", "リグ7台が停止: r1、r2、r3、r4、r5、ほか2件"},
		{"test", Notification{Test: true}, "rigtop test notification", "rigtop テスト通知"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Headline(en, tt.n); got != tt.en {
				t.Errorf("Headline(en) =\n%q\nwant\n%q", got, tt.en)
			}
			if got := Headline(ja, tt.n); got != tt.ja {
				t.Errorf("Headline(ja) =\n%q\nwant\n%q", got, tt.ja)
			}
		})
	}
}

func TestBody(t *testing.T) {
	n := Notification{
		Firing: []Alert{{Key: gpuKey("farm", "496406", 3, KindGPUHot), RigLabel: "rig2", Severity: SeverityCritical,
			State: StateFiring, Values: Values{TempC: 86, Threshold: 85}, Since: t0}},
		Resolved: []Alert{{Key: rigKey("farm", "f547c3", KindCondition), RigLabel: "rig1", Severity: SeverityCritical,
			State: StateResolved, Values: Values{Condition: panel.StuckMiners},
			Since: t0.Add(-time.Hour), ResolvedAt: t0.Add(30 * time.Minute)}},
	}
	wantEN := "Firing (1)\n" +
		"- rig2 (496406): GPU 3 hot, 86 °C ≥ 85 °C\n" +
		"  critical · GPU hot · panel farm · since 2024-05-01 12:00 UTC\n" +
		"\n" +
		"Resolved (1)\n" +
		"- rig1 (f547c3): miner stuck [stuck_miners]\n" +
		"  rig condition · panel farm · 2024-05-01 11:00 UTC to 2024-05-01 12:30 UTC, lasted 1h 30m\n"
	if got := Body(en, n); got != wantEN {
		t.Errorf("Body(en) =\n%s\nwant\n%s", got, wantEN)
	}
	wantJA := "発生中（1件）\n" +
		"- rig2 (496406): GPU 3 が高温 86 °C（しきい値 85 °C）\n" +
		"  重大・GPU 高温・パネル farm・2024-05-01 12:00 UTC から\n" +
		"\n" +
		"復旧（1件）\n" +
		"- rig1 (f547c3): マイナー停止 [stuck_miners]\n" +
		"  リグの状態・パネル farm・2024-05-01 11:00 UTC 〜 2024-05-01 12:30 UTC（1時間30分）\n"
	if got := Body(ja, n); got != wantJA {
		t.Errorf("Body(ja) =\n%s\nwant\n%s", got, wantJA)
	}
}

func TestShortBodyCutsList(t *testing.T) {
	n := Notification{Firing: downAlerts()}
	got := ShortBody(en, n, 2)
	want := "rig1 (a00001): unreachable [unreachable]\n" +
		"rig4 (a00004): no report for 1h 0m, longer than 10m\n" +
		"…and 1 more"
	if got != want {
		t.Errorf("ShortBody =\n%s\nwant\n%s", got, want)
	}
}

func TestErrorTextFetchErrors(t *testing.T) {
	url := "http://abc123.ethosdistro.com/?json=yes"
	tests := []struct {
		err    *panel.FetchError
		en, ja string
	}{
		{&panel.FetchError{URL: url, Kind: panel.KindRefused, Offset: -1},
			url + " refused the connection: nothing is listening there",
			url + " への接続が拒否されました（待ち受けているサーバーがありません）"},
		{&panel.FetchError{URL: url, Kind: panel.KindHTTPStatus, Status: 503, Offset: -1},
			url + " returned HTTP status 503",
			url + " が HTTP ステータス 503 を返しました"},
		{&panel.FetchError{URL: url, Kind: panel.KindInvalidJSON, Offset: 1234},
			url + " returned invalid JSON at byte 1234",
			url + " が返した JSON の 1234 バイト目が不正です"},
		{&panel.FetchError{URL: url, Kind: panel.KindTruncated, Offset: -1},
			"the response from " + url + " ends early",
			url + " の応答が途中で途切れています"},
		{&panel.FetchError{URL: "/var/lib/panel.json", Kind: panel.KindNotFound, Offset: -1},
			"panel file /var/lib/panel.json not found",
			"パネルのファイル /var/lib/panel.json が見つかりません"},
		{&panel.FetchError{URL: url, Kind: panel.KindOther, Offset: -1, Err: errors.New("boom")},
			"reading " + url + " failed: boom",
			url + " の読み込みに失敗しました: boom"},
	}
	for _, tt := range tests {
		wrapped := fmt.Errorf("poll: %w", tt.err)
		if got := ErrorText(en, wrapped); got != tt.en {
			t.Errorf("ErrorText(en, %v) = %q, want %q", tt.err.Kind, got, tt.en)
		}
		if got := ErrorText(ja, wrapped); got != tt.ja {
			t.Errorf("ErrorText(ja, %v) = %q, want %q", tt.err.Kind, got, tt.ja)
		}
	}
}

func TestErrorTextEveryKindHasMessage(t *testing.T) {
	for kind := panel.KindOther; kind <= panel.KindUnreadable; kind++ {
		for _, offset := range []int64{-1, 10} {
			err := &panel.FetchError{URL: "http://x/", Kind: kind, Offset: offset}
			for _, p := range []*locale.Printer{en, ja} {
				got := ErrorText(p, err)
				if strings.Contains(got, "[alert.") || !strings.Contains(got, "http://x/") {
					t.Errorf("ErrorText(%s, %v, offset %d) = %q", p.Tag(), kind, offset, got)
				}
			}
		}
	}
}

func TestErrorTextOtherErrors(t *testing.T) {
	if got := ErrorText(en, nil); got != "" {
		t.Errorf("ErrorText(nil) = %q, want empty", got)
	}
	if got := ErrorText(ja, errors.New("plain\nerror")); got != "plain error" {
		t.Errorf("ErrorText(plain) = %q", got)
	}
	ce := &ConfigError{Key: "stale_after", Value: "-1m0s", Expected: expectPositiveDuration}
	if got, want := ErrorText(ja, ce), "stale_after = -1m0s は無効です: 10m のような 0 より大きい時間で指定してください"; got != want {
		t.Errorf("ErrorText(ja, config) = %q, want %q", got, want)
	}
	if got, want := ce.Error(), "invalid stale_after = -1m0s: use a duration above zero, such as 10m"; got != want {
		t.Errorf("ConfigError.Error = %q, want %q", got, want)
	}
}

func TestErrorTextDeliveryErrors(t *testing.T) {
	closed := fmt.Errorf("%w: %w", ErrDispatcherClosed, errors.New("421 busy"))
	tests := []struct {
		err    error
		en, ja string
	}{
		{fmt.Errorf("%w: dbus: no address", ErrNoDesktopSession),
			"no desktop session to show notifications on (no D-Bus session bus, DISPLAY or WAYLAND_DISPLAY); desktop notifications are off until rigtop restarts",
			"通知を表示するデスクトップセッションがありません（D-Bus セッションバス、DISPLAY、WAYLAND_DISPLAY のいずれもなし）。rigtop を再起動するまでデスクトップ通知は無効です"},
		{ErrQueueFull, "dropped: too many notifications were waiting for this channel", "破棄: このチャンネルで送信待ちの通知が多すぎました"},
		{closed, "not sent: rigtop was shutting down", "未送信: rigtop の終了中でした"},
	}
	for _, tt := range tests {
		if got := ErrorText(en, tt.err); got != tt.en {
			t.Errorf("ErrorText(en, %v) = %q, want %q", tt.err, got, tt.en)
		}
		if got := ErrorText(ja, tt.err); got != tt.ja {
			t.Errorf("ErrorText(ja, %v) = %q, want %q", tt.err, got, tt.ja)
		}
	}
}

func TestHashUnit(t *testing.T) {
	tests := map[string]string{
		"claymore":        "MH/s",
		"ethminer":        "MH/s",
		"ewbf-zcash":      "Sol/s",
		"optiminer-zcash": "Sol/s",
		"xmr-stak":        "H/s",
		"claymore-xmr":    "H/s",
		"":                "MH/s",
	}
	for miner, want := range tests {
		if got := HashUnit(miner); got != want {
			t.Errorf("HashUnit(%q) = %q, want %q", miner, got, want)
		}
	}
}
