package ps

import "testing"

func TestFilter(t *testing.T) {
	const ef = "UID          PID    PPID  C STIME TTY          TIME CMD\n" +
		"root           1       0  0 10:00 ?        00:00:01 /sbin/init\n" +
		"root         412       1  0 10:01 ?        00:00:00 sleep 60\n" +
		"root         413     412  0 10:01 ?        00:00:00 sh -c x\n"
	const bb = "PID   USER     TIME  COMMAND\n    1 root      0:00 init\n  412 root      0:00 sleep 60\n"
	for _, tc := range []struct {
		name, out string
		pids      []int
		want      string
		err       bool
	}{
		{"ps -ef", ef, []int{412, 413}, "UID          PID    PPID  C STIME TTY          TIME CMD\n" +
			"root         412       1  0 10:01 ?        00:00:00 sleep 60\n" +
			"root         413     412  0 10:01 ?        00:00:00 sh -c x\n", false},
		{"busybox ps", bb, []int{412}, "PID   USER     TIME  COMMAND\n  412 root      0:00 sleep 60\n", false},
		{"ppid is not pid", ef, []int{0}, "UID          PID    PPID  C STIME TTY          TIME CMD\n", false},
		{"no PID column", "USER COMMAND\nroot init\n", []int{1}, "", true},
		{"empty", "", nil, "", true},
	} {
		got, err := Filter([]byte(tc.out), tc.pids)
		if (err != nil) != tc.err || string(got) != tc.want {
			t.Errorf("%s: got %q, %v; want %q", tc.name, got, err, tc.want)
		}
	}
}
