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
