package engine

import (
	"reflect"
	"testing"
	"time"
)

func TestParsePS(t *testing.T) {
	r := parsePS("UID PID PPID C STIME TTY TIME CMD\nroot 5 1 0 10:00 ? 00:00:00 sleep 100 --x\n")
	if len(r.Titles) != 8 || !reflect.DeepEqual(r.Processes, [][]string{{"root", "5", "1", "0", "10:00", "?", "00:00:00", "sleep 100 --x"}}) {
		t.Errorf("parsePS: %+v", r)
	}
}

func TestParseNetDev(t *testing.T) {
	data := `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:    1000      10    0    0    0     0          0         0     1000      10    0    0    0     0       0          0
  eth0:     300       3    0    0    0     0          0         0      200       2    0    0    0     0       0          0
  eth1:      30       3    0    0    0     0          0         0       20       2    0    0    0     0       0          0
`
	if rx, tx := parseNetDev(data); rx != 330 || tx != 220 {
		t.Errorf("parseNetDev = %d, %d; want 330, 220", rx, tx)
	}
}

func TestParsePruneFilters(t *testing.T) {
	now := time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)
	f, err := ParsePruneFilters([]string{"until=24h", "label=a=b", "label!=tmp"}, now)
	if err != nil {
		t.Fatal(err)
	}
	old := now.Add(-48 * time.Hour)
	for _, tc := range []struct {
		created time.Time
		labels  map[string]string
		want    bool
	}{
		{old, map[string]string{"a": "b"}, true},
		{now, map[string]string{"a": "b"}, false},
		{old, map[string]string{"a": "c"}, false},
		{old, map[string]string{"a": "b", "tmp": ""}, false},
	} {
		if got := f.match(tc.created, tc.labels); got != tc.want {
			t.Errorf("match(%v, %v) = %v", tc.created, tc.labels, got)
		}
	}
	for _, bad := range []string{"until", "until=soon", "dangling=true"} {
		if _, err := ParsePruneFilters([]string{bad}, now); err == nil {
			t.Errorf("filter %q accepted", bad)
		}
	}
}
