// Package bytesize reads sizes as Docker's --memory, --memory-swap,
// --shm-size and tmpfs-size take them (docker/go-units RAMInBytes): a
// number, an optional blank, and an optional unit k, m, g, t or p (powers
// of 1024) with an optional b or ib after it, or a bare b; any case.
// "-1" (unlimited, where a flag allows it) is the caller's to handle.
package bytesize

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Parse reads one size in bytes. A negative size, an unknown unit and a
// size of 8 EiB or more are errors.
func Parse(s string) (int64, error) {
	// The number is everything up to its last digit or dot; one blank may
	// stand between it and the unit.
	end := strings.LastIndexAny(s, "0123456789.") + 1
	if end == 0 {
		return 0, fmt.Errorf("invalid size: '%s'", s)
	}
	num, unit := s[:end], strings.TrimPrefix(s[end:], " ")
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || f < 0 || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, fmt.Errorf("invalid size: '%s'", s)
	}
	mult, ok := unitOf(strings.ToLower(unit))
	if !ok {
		return 0, fmt.Errorf("invalid size: '%s': unknown unit '%s' (use b, k, m, g, t or p)", s, unit)
	}
	// int64 of a float past MaxInt64 is undefined (it came out as "no
	// limit" for -m 99999999999999999999): such a size is an error.
	b := f * float64(mult)
	if b >= math.MaxInt64 {
		return 0, fmt.Errorf("invalid size: '%s': larger than the largest size, 8 EiB", s)
	}
	return int64(b), nil
}

// unitOf is the multiplier of a lower-case unit: "", "b", or one of
// k, m, g, t, p alone or followed by "b" or "ib".
func unitOf(u string) (int64, bool) {
	if u == "" || u == "b" {
		return 1, true
	}
	i := strings.IndexByte("kmgtp", u[0])
	if i < 0 {
		return 0, false
	}
	if rest := u[1:]; rest != "" && rest != "b" && rest != "ib" {
		return 0, false
	}
	return int64(1) << (10 * (i + 1)), true
}
