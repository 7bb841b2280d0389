package panel

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// panelDoc is a panel response laid out as the ethOS panel writes it, for
// the simulated farm and the farm generator. Fields typed any hold what the
// real panel mixes: a string on one rig, a number or null on another.
type panelDoc struct {
	Rigs           map[string]panelRig     `json:"rigs"`
	TotalHash      float64                 `json:"total_hash"`
	AliveGPUs      int                     `json:"alive_gpus"`
	TotalGPUs      int                     `json:"total_gpus"`
	AliveRigs      int                     `json:"alive_rigs"`
	TotalRigs      int                     `json:"total_rigs"`
	CurrentVersion string                  `json:"current_version"`
	AvgTemp        float64                 `json:"avg_temp"`
	Capacity       string                  `json:"capacity"`
	PerInfo        map[string]panelPerInfo `json:"per_info"`
}

type panelPerInfo struct {
	Hash       int    `json:"hash"`
	AliveGPUs  int    `json:"per_alive_gpus"`
	TotalGPUs  int    `json:"per_total_gpus"`
	AliveRigs  int    `json:"per_alive_rigs"`
	TotalRigs  int    `json:"per_total_rigs"`
	HashPerGPU string `json:"per_hash-gpu"`
	HashPerRig string `json:"per_hash-rig"`
	// CurrentTime is the panel's clock in unix seconds.
	CurrentTime int64 `json:"current_time"`
}

// panelRig is one rig in the field order of real responses.
type panelRig struct {
	Condition         string  `json:"condition"`
	Version           string  `json:"version"`
	Driver            string  `json:"driver"`
	Miner             string  `json:"miner"`
	GPUs              string  `json:"gpus"`
	MinerInstance     any     `json:"miner_instance"`
	MinerHashes       string  `json:"miner_hashes"`
	Bioses            string  `json:"bioses"`
	Meminfo           string  `json:"meminfo"`
	VRAMSize          string  `json:"vramsize"`
	DriveName         string  `json:"drive_name"`
	Mobo              string  `json:"mobo"`
	BIOSVersion       any     `json:"biosversion,omitempty"`
	LANChip           string  `json:"lan_chip"`
	ConnectedDisplays string  `json:"connected_displays"`
	RAM               string  `json:"ram"`
	RackLoc           any     `json:"rack_loc"`
	IP                string  `json:"ip"`
	ServerTime        int64   `json:"server_time"`
	Uptime            string  `json:"uptime"`
	MinerSecs         int64   `json:"miner_secs"`
	RxKbps            string  `json:"rx_kbps"`
	TxKbps            string  `json:"tx_kbps"`
	Load              string  `json:"load"`
	CPUTemp           string  `json:"cpu_temp"`
	FreeSpace         float64 `json:"freespace"`
	Hash              any     `json:"hash"`
	Pool              string  `json:"pool"`
	Temp              string  `json:"temp"`
	PowerTune         string  `json:"powertune"`
	Voltage           string  `json:"voltage"`
	Watts             any     `json:"watts"`
	FanRPM            string  `json:"fanrpm"`
	FanPercent        any     `json:"fanpercent,omitempty"`
	Core              string  `json:"core"`
	Mem               string  `json:"mem"`
	RigWatts          any     `json:"rig_watts,omitempty"`
}

// marshalPanel encodes doc as the PHP panel does: "/" written as "\/" and
// every non-ASCII character as a \u escape.
func marshalPanel(doc any) []byte {
	b, err := json.Marshal(doc)
	if err != nil {
		panic("panel: encode simulated panel: " + err.Error())
	}
	return phpEscape(b)
}

// phpEscape rewrites encoding/json output with PHP json_encode's default
// escaping. Outside strings JSON has no '/' and no non-ASCII bytes, so the
// rewrite only ever touches string contents.
func phpEscape(b []byte) []byte {
	out := make([]byte, 0, len(b)+len(b)/16)
	for i := 0; i < len(b); {
		c := b[i]
		switch {
		case c == '/':
			out = append(out, '\\', '/')
			i++
		case c < utf8.RuneSelf:
			out = append(out, c)
			i++
		default:
			r, size := utf8.DecodeRune(b[i:])
			for _, unit := range utf16.Encode([]rune{r}) {
				out = fmt.Appendf(out, `\u%04x`, unit)
			}
			i += size
		}
	}
	return out
}

// fixed formats v with the given number of decimals, as the panel's lists do.
func fixed(v float64, decimals int) string {
	return strconv.FormatFloat(v, 'f', decimals, 64)
}

// joinFixed formats a per-GPU list.
func joinFixed(values []float64, decimals int) string {
	parts := make([]string, len(values))
	for i, v := range values {
		parts[i] = fixed(v, decimals)
	}
	return strings.Join(parts, " ")
}

// round2 rounds to two decimals, the precision of the panel's hash rates.
func round2(v float64) float64 {
	f, _ := strconv.ParseFloat(fixed(v, 2), 64)
	return f
}
