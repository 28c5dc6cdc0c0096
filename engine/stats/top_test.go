package stats

import (
	"reflect"
	"testing"
)

func TestTable(t *testing.T) {
	const ef = "UID PID PPID C STIME TTY TIME CMD\n" +
		"root 1 0 0 10:00 ? 00:00:01 /sbin/init\n" +
		"root 5 1 0 10:00 ? 00:00:00 sleep 100 --x\n" +
		"root 6 5 0 10:00 ? 00:00:00 sh -c echo  two  spaces\n"
	for _, tc := range []struct {
		name    string
		out     string
		pids    []int
		titles  []string
		rows    [][]string
		wantErr bool
	}{
		{name: "the container's processes only, command kept whole", out: ef, pids: []int{5, 6},
			titles: []string{"UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"},
			rows: [][]string{{"root", "5", "1", "0", "10:00", "?", "00:00:00", "sleep 100 --x"},
				{"root", "6", "5", "0", "10:00", "?", "00:00:00", "sh -c echo two spaces"}}},
		{name: "PPID is not PID", out: ef, pids: []int{0},
			titles: []string{"UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"}},
		{name: "PID in another column", out: "COMMAND PID\nsleep 5\ninit 1\n", pids: []int{5},
			titles: []string{"COMMAND", "PID"}, rows: [][]string{{"sleep", "5"}}},
		{name: "no PID column", out: "UID CMD\nroot sleep\n", pids: []int{5}, wantErr: true},
		{name: "nothing printed", out: "", pids: []int{5}, wantErr: true},
	} {
		got, err := table([]byte(tc.out), tc.pids)
		if tc.wantErr {
			if err == nil {
				t.Errorf("%s: table = %+v, want an error", tc.name, got)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got.Titles, tc.titles) || !reflect.DeepEqual(got.Processes, tc.rows) {
			t.Errorf("%s: table = %+v, %v; want %v %v", tc.name, got, err, tc.titles, tc.rows)
		}
	}
}
