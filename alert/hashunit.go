package alert

import "strings"

// DefaultHashUnit is the hash rate unit of ethash miners, the common case on
// ethOS rigs.
const DefaultHashUnit = "MH/s"

// HashUnit returns the unit a miner reports its hash rate in: Sol/s for
// equihash miners, H/s for CryptoNight miners, MH/s otherwise.
//
// NOTE: ethOS reports no unit. This guesses from the miner names ethOS
// shipped (claymore-zcash, ewbf-zcash, dstm-zcash, optiminer-zcash,
// xmr-stak, claymore-xmr, wolf-xmr-cpu); a miner not matched here shows MH/s.
func HashUnit(miner string) string {
	name := strings.ToLower(miner)
	for _, part := range []string{"zcash", "equihash", "ewbf", "dstm", "optiminer"} {
		if strings.Contains(name, part) {
			return "Sol/s"
		}
	}
	for _, part := range []string{"xmr", "xtl", "cryptonight", "stak"} {
		if strings.Contains(name, part) {
			return "H/s"
		}
	}
	return DefaultHashUnit
}
