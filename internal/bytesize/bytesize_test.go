package bytesize

import "testing"

func TestParse(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"512", 512, true},
		{"0", 0, true},
		{"512b", 512, true},
		{"512B", 512, true},
		{"64k", 64 << 10, true},
		{"64K", 64 << 10, true},
		{"64kb", 64 << 10, true},
		{"64KiB", 64 << 10, true},
		{"100m", 100 << 20, true},
		{"2MiB", 2 << 20, true},
		{"1.5g", 3 << 29, true},
		{"1G", 1 << 30, true},
		{"2TB", 2 << 40, true},
		{"1p", 1 << 50, true},
		{"1.5k", 1536, true},
		{"10 m", 10 << 20, true}, // go-units allows one blank before the unit
		{"-1", 0, false},         // unlimited is the caller's: --memory-swap -1
		{"-5", 0, false},
		{"99999999999999999999", 0, false},
		{"8388608t", 0, false}, // 2^63 bytes
		{"8191p", 8191 << 50, true},
		{"1e400", 0, false},
		{"NaN", 0, false},
		{"Inf", 0, false},
		{"ten", 0, false},
		{"", 0, false},
		{"1x", 0, false},
		{"1kk", 0, false},
		{"1ib", 0, false},
		{"1bi", 0, false},
		{"1kbb", 0, false},
		{"1e", 0, false},
		{"1  m", 0, false},
		{" 1m", 0, false},
	} {
		got, err := Parse(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("Parse(%q) = %d, %v; want %d ok %v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

// TestCallers pins the values each caller passes: the engine's size flags
// (-m, --memory-swap, --memory-reservation, --shm-size, --mount
// tmpfs-size, --device-read-bps, --log-opt max-size, update) and
// berth-runtime's update (runc's --memory, --memory-swap ...). Both
// callers take "-1" (unlimited) themselves before calling Parse, which
// refuses it, so neither can mistake it for a size.
func TestCallers(t *testing.T) {
	for _, tt := range []struct {
		caller, in string
		want       int64
	}{
		{"berth run -m", "64m", 64 << 20},
		{"berth run --memory-swap", "1g", 1 << 30},
		{"berth run --shm-size", "128MB", 128 << 20},
		{"berth run --mount tmpfs-size", "64MiB", 64 << 20},
		{"berth run --device-read-bps", "1mb", 1 << 20},
		{"berth run --log-opt max-size", "10k", 10 << 10},
		{"berth-runtime update --memory", "1048576", 1 << 20},
		{"berth-runtime update --memory", "10M", 10 << 20},
		{"berth-runtime update --memory-swap", "1GB", 1 << 30},
	} {
		if got, err := Parse(tt.in); err != nil || got != tt.want {
			t.Errorf("%s %q: %d, %v; want %d", tt.caller, tt.in, got, err, tt.want)
		}
	}
	if _, err := Parse("-1"); err == nil {
		t.Error(`Parse("-1") succeeded; the callers handle unlimited, Parse must not take it for a size`)
	}
}
