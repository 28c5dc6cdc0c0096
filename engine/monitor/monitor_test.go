package monitor

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/berth-containers/berth/engine/record"
	"github.com/berth-containers/berth/engine/store"
)

func TestFDs(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want FDs
		err  string
	}{
		{"12,3,4,-1,5,6,7,-1,-1", FDs{Pid: 12, Out: 3, Err: 4, Master: -1, Listen: 5, StdinR: 6, StdinW: 7, KeepStdR: -1, KeepStdW: -1}, ""},
		{"9,-1,-1,3,-1,-1,-1,4,5", FDs{Pid: 9, Out: -1, Err: -1, Master: 3, Listen: -1, StdinR: -1, StdinW: -1, KeepStdR: 4, KeepStdW: 5}, ""},
		{"", FDs{}, `bad $BERTH_MONITOR_FDS ""`},
		{"1,2,3", FDs{}, `bad $BERTH_MONITOR_FDS "1,2,3"`},
		{"1,2,3,4,5,6,7,8,x", FDs{}, `bad $BERTH_MONITOR_FDS "1,2,3,4,5,6,7,8,x": strconv.Atoi`},
	} {
		got, err := ParseFDs(tc.in)
		if tc.err != "" {
			if err == nil || !strings.HasPrefix(err.Error(), tc.err) {
				t.Errorf("ParseFDs(%q): err %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseFDs(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
		if got.String() != tc.in {
			t.Errorf("%+v.String() = %q, want %q", got, got.String(), tc.in)
		}
	}
}

func TestRestartDelay(t *testing.T) {
	for _, tc := range []struct {
		n    int
		want time.Duration
	}{
		{0, 100 * time.Millisecond},
		{1, 200 * time.Millisecond},
		{3, 800 * time.Millisecond},
		{9, 51200 * time.Millisecond},
		{10, time.Minute},
		{1000, time.Minute},
	} {
		if got := RestartDelay(tc.n); got != tc.want {
			t.Errorf("RestartDelay(%d) = %v, want %v", tc.n, got, tc.want)
		}
	}
}

// supervised runs Supervise over a record with policy, whose runs end
// with codes (a start failure past them), and returns the record after.
func supervised(t *testing.T, hc record.HostConfig, codes []int) (*record.Container, []Report, []string, Exit) {
	t.Helper()
	s := store.New(filepath.Join(t.TempDir(), "metadata.db"))
	c := &record.Container{ID: "0123456789ab", Name: "c", HostConfig: hc, State: record.State{Status: record.StatusCreated}}
	if err := s.Insert(c); err != nil {
		t.Fatal(err)
	}
	var reports []Report
	var events []string
	runs := 0
	sup := &Supervisor{Records: s, C: c, Steps: Steps{
		Run: func(started func(int)) (Exit, error) {
			if runs >= len(codes) {
				return Exit{}, errors.New("no such image")
			}
			started(os.Getpid())
			runs++
			return Exit{Code: codes[runs-1]}, nil
		},
		Failed:   func(error) (int, string) { return 125, "" },
		Emit:     func(a string) { events = append(events, a) },
		EmitExit: func(x Exit) { events = append(events, "die") },
		Release:  func() { events = append(events, "release") },
		Remove:   func() { events = append(events, "remove") },
	}}
	last := sup.Supervise(func(r Report) { reports = append(reports, r) }, nil)
	r, err := s.Get(c.ID)
	if err != nil {
		t.Fatal(err)
	}
	return r, reports, events, last
}

func TestSupervise(t *testing.T) {
	for _, tc := range []struct {
		name     string
		hc       record.HostConfig
		codes    []int
		exit     int
		restarts int
		events   string
	}{
		{"no policy", record.HostConfig{}, []int{3, 0}, 3, 0, "start die release"},
		{"on-failure:2", record.HostConfig{RestartPolicy: record.RestartPolicy{Name: "on-failure", MaximumRetryCount: 2}},
			[]int{1, 1, 1, 1}, 1, 2, "start die start die start die release"},
		{"on-failure stops at success", record.HostConfig{RestartPolicy: record.RestartPolicy{Name: "on-failure"}},
			[]int{1, 0, 1}, 0, 1, "start die start die release"},
		{"--rm", record.HostConfig{AutoRemove: true, RestartPolicy: record.RestartPolicy{Name: "always"}},
			[]int{2, 0}, 2, 0, "start die release remove"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, reports, events, last := supervised(t, tc.hc, tc.codes)
			if last.Code != tc.exit || r.State.ExitCode != tc.exit || r.State.Status != record.StatusExited {
				t.Errorf("exit %d, record %s %d; want exited %d", last.Code, r.State.Status, r.State.ExitCode, tc.exit)
			}
			if r.State.RestartCount != tc.restarts {
				t.Errorf("restarts %d, want %d", r.State.RestartCount, tc.restarts)
			}
			if got := strings.Join(events, " "); got != tc.events {
				t.Errorf("events %q, want %q", got, tc.events)
			}
			if len(reports) != 1 || reports[0].Pid != os.Getpid() {
				t.Errorf("reports %+v, want one with this pid", reports)
			}
		})
	}
}

func TestSuperviseStartFailure(t *testing.T) {
	r, reports, events, last := supervised(t, record.HostConfig{RestartPolicy: record.RestartPolicy{Name: "always"}}, nil)
	if last.Code != 125 || r.State.ExitCode != 125 || r.State.Error != "no such image" {
		t.Errorf("exit %d, record %d %q", last.Code, r.State.ExitCode, r.State.Error)
	}
	if len(reports) != 1 || reports[0].Error != "no such image" || reports[0].Code != 125 {
		t.Errorf("reports %+v", reports)
	}
	if got := strings.Join(events, " "); got != "release" {
		t.Errorf("events %q", got)
	}
}
