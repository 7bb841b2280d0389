package panel

import (
	"iter"
	"strings"
)

// gpuList names one of a rig's space-separated per-GPU lists.
type gpuList int

const (
	listHash gpuList = iota
	listTemp
	listFanRPM
	listFanPercent
	listCore
	listMem
	listPowerTune
	listVoltage
	listWatts
	listVRAM
	listBIOS
	numGPULists
)

// readByRules reports whether the alert rules or the farm totals read the
// list: the hash rates, temperatures and fans. The others only show on a
// rig's detail screen.
func (l gpuList) readByRules() bool {
	switch l {
	case listHash, listTemp, listFanRPM, listFanPercent:
		return true
	}
	return false
}

// gpuListFor returns the list a panel field name holds, if it is one.
func gpuListFor(key string) (gpuList, bool) {
	switch key {
	case "miner_hashes":
		return listHash, true
	case "temp":
		return listTemp, true
	case "fanrpm":
		return listFanRPM, true
	case "fanpercent":
		return listFanPercent, true
	case "core":
		return listCore, true
	case "mem":
		return listMem, true
	case "powertune":
		return listPowerTune, true
	case "voltage":
		return listVoltage, true
	case "watts":
		return listWatts, true
	case "vramsize":
		return listVRAM, true
	case "bioses":
		return listBIOS, true
	}
	return 0, false
}

// gpuLists collects a rig's per-GPU fields while its object is read; they
// can only be zipped once "gpus" is known, which may come after them.
type gpuLists struct {
	lists [numGPULists]string
	// meminfo is the raw JSON text of the meminfo string; meminfoEscaped is
	// set when it holds escapes, as it always does between lines.
	meminfo        string
	meminfoEscaped bool
}

// set stores a list field. A single number stands for a one-entry list;
// null, false and other types leave the list empty, so every GPU's value
// for it is unknown.
func (l *gpuLists) set(list gpuList, v jsonScalar) {
	switch v.kind {
	case jsonString, jsonNumber:
		l.lists[list] = v.str()
	default:
		l.lists[list] = ""
	}
}

// setMeminfo stores the meminfo field; anything but a string leaves every
// GPU's model unknown.
func (l *gpuLists) setMeminfo(v jsonScalar) {
	l.meminfo, l.meminfoEscaped = "", false
	if v.kind == jsonString {
		l.meminfo, l.meminfoEscaped = v.text, v.escaped
	}
}

// zip builds one GPU per index: as many as the rig detected, or, when that
// is unknown, as many as the longer of the hash and temperature lists.
// Entries beyond the count are ignored; missing or unparsable entries leave
// that GPU's value unknown.
func (l *gpuLists) zip(alloc func(n int) []GPU, detected Opt[int], in *interner) []GPU {
	n := detected.Value
	if !detected.Known {
		n = min(max(countFields(l.lists[listHash]), countFields(l.lists[listTemp])), maxGPUsPerRig)
	}
	if n <= 0 {
		return nil
	}

	gpus := alloc(n)
	for i := range gpus {
		gpus[i].Index = i
	}
	for list := range listBIOS {
		fillNumbers(gpus, list, l.lists[list])
	}
	applyMeminfo(gpus, meminfoLines(l.meminfo, l.meminfoEscaped), in)
	applyBIOSes(gpus, l.lists[listBIOS], in)
	return gpus
}

// fillNumbers parses a numeric list into one field of each GPU. This loop
// runs for every value of a large farm, so it parses each entry as
// parseSimpleDecimal does while it looks for the entry's end. Entries of
// any other form go to parseDecimal.
func fillNumbers(gpus []GPU, list gpuList, text string) {
	pos := 0
	for i := range gpus {
		for pos < len(text) && isListSpace(text[pos]) {
			pos++
		}
		if pos == len(text) {
			return
		}

		start := pos
		var d simpleDecimal
		for pos < len(text) && !isListSpace(text[pos]) {
			d.add(text[pos])
			pos++
		}
		value, ok := d.value()
		if !ok {
			*gpus[i].listValue(list) = readingOf(parseDecimal(text[start:pos]))
			continue
		}
		*gpus[i].listValue(list) = KnownReading(value)
	}
}

// listValue returns the GPU field a numeric list fills.
func (g *GPU) listValue(list gpuList) *Reading {
	switch list {
	case listHash:
		return &g.Hash
	case listTemp:
		return &g.TempC
	case listFanRPM:
		return &g.FanRPM
	case listFanPercent:
		return &g.FanPercent
	case listCore:
		return &g.CoreMHz
	case listMem:
		return &g.MemMHz
	case listPowerTune:
		return &g.PowerTune
	case listVoltage:
		return &g.Voltage
	case listWatts:
		return &g.Watts
	case listVRAM:
		return &g.VRAMGB
	}
	panic("panel: list has no numeric GPU field")
}

// nextField returns the space-separated field of s that starts at or after
// pos, and the position after it; ok is false when none is left.
func nextField(s string, pos int) (field string, next int, ok bool) {
	for pos < len(s) && isListSpace(s[pos]) {
		pos++
	}
	if pos == len(s) {
		return "", pos, false
	}
	start := pos
	for pos < len(s) && !isListSpace(s[pos]) {
		pos++
	}
	return s[start:pos], pos, true
}

func countFields(s string) int {
	n := 0
	for pos := 0; ; n++ {
		var ok bool
		if _, pos, ok = nextField(s, pos); !ok {
			return n
		}
	}
}

func isListSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// applyBIOSes sets each GPU's VBIOS from the rig's bioses list, which wins
// over the version in the GPU's meminfo line. A GPU whose version differs
// gets its own GPUInfo, because the meminfo line's is shared with other
// rigs.
func applyBIOSes(gpus []GPU, list string, in *interner) {
	pos := 0
	for i := range gpus {
		field, next, ok := nextField(list, pos)
		if !ok {
			return
		}
		pos = next

		g := &gpus[i]
		vbios := in.str(field)
		switch {
		case vbios == "", g.info != nil && g.info.VBIOS == vbios:
		case g.info == nil:
			g.info = in.gpuInfo(GPUInfo{VBIOS: vbios})
		default:
			info := *g.info
			info.VBIOS = vbios
			g.info = in.gpuInfo(info)
		}
	}
}

// applyMeminfo sets each GPU's model, bus, VBIOS and memory from the rig's
// meminfo lines, which look like
//
//	GPU0:01:00.0:GeForce GTX 1070:86.04.50.00.72:Unknown           (NVIDIA)
//	GPU5:08.00.0:Radeon RX 570:113-5E353FU-O4C:SK Hynix H5GC4H24AJR (AMD)
//
// The line's GPUn number, not its position, picks the GPU.
func applyMeminfo(gpus []GPU, lines iter.Seq[string], in *interner) {
	for line := range lines {
		index, rest, ok := cutGPUIndex(strings.TrimSpace(line))
		if !ok || index >= len(gpus) {
			continue
		}
		gpus[index].info = in.meminfoInfo(rest)
	}
}

// meminfoLines returns the lines of a raw meminfo string. Its lines are
// split at the \n escapes of the raw text, so that only a line holding some
// other escape needs to be unescaped (into a new string).
func meminfoLines(raw string, escaped bool) iter.Seq[string] {
	return func(yield func(string) bool) {
		if !escaped {
			for line := range strings.Lines(raw) {
				if !yield(line) {
					return
				}
			}
			return
		}

		start, otherEscape := 0, false
		for i := 0; ; i++ {
			next := strings.IndexByte(raw[i:], '\\')
			if next < 0 {
				break
			}
			i += next + 1 // the escaped character; the scanner checked it exists
			if raw[i] != 'n' {
				otherEscape = true
				continue
			}
			if !yield(rawLine(raw[start:i-1], otherEscape)) {
				return
			}
			start, otherEscape = i+1, false
		}
		yield(rawLine(raw[start:], otherEscape))
	}
}

func rawLine(raw string, escaped bool) string {
	if escaped {
		return unescape(raw)
	}
	return raw
}

// meminfoInfo splits "bus:model:vbios:memory[:...]" into one shared
// GPUInfo per distinct line: the lines repeat on every rig with the same
// cards in the same slots.
func (in *interner) meminfoInfo(line string) *GPUInfo {
	if info, ok := in.meminfo[line]; ok {
		return info
	}
	bus, rest := cutBus(line)
	model, rest, _ := strings.Cut(rest, ":")
	vbios, rest, _ := strings.Cut(rest, ":")
	memory, _, _ := strings.Cut(rest, ":")
	info := in.gpuInfo(GPUInfo{Bus: in.str(bus), Model: in.str(model), VBIOS: in.str(vbios), Memory: in.str(memory)})
	in.meminfo[strings.Clone(line)] = info
	return info
}

// gpuInfo returns one shared copy of info.
func (in *interner) gpuInfo(info GPUInfo) *GPUInfo {
	if shared, ok := in.infos[info]; ok {
		return shared
	}
	shared := &info
	in.infos[info] = shared
	return shared
}

// cutGPUIndex splits "GPU12:rest" into 12 and "rest".
func cutGPUIndex(line string) (index int, rest string, ok bool) {
	after, hasPrefix := strings.CutPrefix(line, "GPU")
	digits, rest, found := strings.Cut(after, ":")
	if !hasPrefix || !found || digits == "" || len(digits) > 3 {
		return 0, "", false
	}
	for i := 0; i < len(digits); i++ {
		if !isDigit(digits[i]) {
			return 0, "", false
		}
		index = index*10 + int(digits[i]-'0')
	}
	return index, rest, true
}

// cutBus splits the PCI bus address off the front of rest. NVIDIA writes it
// as bus:device.function with a colon ("01:00.0"), sometimes after a domain
// ("0000:01:00.0"), and AMD without one ("01.00.0"), so the address cannot
// simply be cut at the first colon.
func cutBus(rest string) (bus, tail string) {
	for _, n := range []int{len("0000:01:00.0"), len("01:00.0")} {
		if len(rest) >= n && isPCIAddress(rest[:n]) && (len(rest) == n || rest[n] == ':') {
			return rest[:n], strings.TrimPrefix(rest[n:], ":")
		}
	}
	bus, tail, _ = strings.Cut(rest, ":")
	return bus, tail
}

// isPCIAddress reports whether s is "hh:hh.h" or "hhhh:hh:hh.h" in hex.
func isPCIAddress(s string) bool {
	pattern := "hh:hh.h"
	if len(s) == len("hhhh:hh:hh.h") {
		pattern = "hhhh:hh:hh.h"
	}
	if len(s) != len(pattern) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if pattern[i] == 'h' {
			if !isHexDigit(s[i]) {
				return false
			}
		} else if s[i] != pattern[i] {
			return false
		}
	}
	return true
}

func isHexDigit(c byte) bool {
	return isDigit(c) || ('a' <= c && c <= 'f') || ('A' <= c && c <= 'F')
}
