package engine

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestHealthFlags(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    HealthOptions
		want *HealthConfig
		err  string
	}{
		{"none", HealthOptions{}, nil, ""},
		{"cmd", HealthOptions{HealthCmd: "curl -f x", HealthInterval: time.Second, HealthRetries: 2},
			&HealthConfig{Test: []string{"CMD-SHELL", "curl -f x"}, Interval: time.Second, Retries: 2}, ""},
		{"durations only keep the image's test", HealthOptions{HealthTimeout: time.Second}, &HealthConfig{Timeout: time.Second}, ""},
		{"off", HealthOptions{NoHealthcheck: true}, &HealthConfig{Test: []string{"NONE"}}, ""},
		{"off and on", HealthOptions{NoHealthcheck: true, HealthRetries: 1}, nil, "--no-healthcheck conflicts with --health-* options"},
		{"negative interval", HealthOptions{HealthInterval: -time.Second}, nil, "--health-interval cannot be negative"},
		{"negative start interval", HealthOptions{HealthStartInterval: -1}, nil, "--health-start-interval cannot be negative"},
		{"negative retries", HealthOptions{HealthRetries: -1}, nil, "--health-retries cannot be negative"},
		{"the API's", HealthOptions{HealthCmd: "x", Healthcheck: &HealthConfig{Test: []string{"CMD", "true"}}}, &HealthConfig{Test: []string{"CMD", "true"}}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := HealthFlags(tc.o)
			if tc.err != "" {
				if err == nil || err.Error() != tc.err {
					t.Fatalf("err %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}

func TestValidateHealth(t *testing.T) {
	for _, tc := range []struct {
		hc  *HealthConfig
		err string
	}{
		{nil, ""},
		{&HealthConfig{Interval: time.Millisecond, Timeout: 0, StartPeriod: time.Hour}, ""},
		{&HealthConfig{Interval: 999 * time.Microsecond}, "Interval in Healthcheck cannot be less than 1ms"},
		{&HealthConfig{Timeout: 1}, "Timeout in Healthcheck cannot be less than 1ms"},
		{&HealthConfig{StartPeriod: 1}, "StartPeriod in Healthcheck cannot be less than 1ms"},
		{&HealthConfig{StartInterval: 1}, "StartInterval in Healthcheck cannot be less than 1ms"},
		{&HealthConfig{Retries: -1}, "Retries in Healthcheck cannot be negative"},
		{&HealthConfig{Test: []string{"SHELL", "x"}}, `unknown Healthcheck test type "SHELL"`},
	} {
		err := ValidateHealth(tc.hc)
		if tc.err == "" {
			if err != nil {
				t.Errorf("%+v: %v", tc.hc, err)
			}
			continue
		}
		if err == nil || !strings.HasPrefix(err.Error(), tc.err) || !errors.Is(err, ErrHealthcheck) {
			t.Errorf("%+v: %v, want %q (ErrHealthcheck)", tc.hc, err, tc.err)
		}
	}
}

func TestMergeHealth(t *testing.T) {
	img := &HealthConfig{Test: []string{"CMD", "check"}, Interval: time.Second, Retries: 5}
	for _, tc := range []struct {
		name      string
		user, img *HealthConfig
		want      *HealthConfig
	}{
		{"neither", nil, nil, nil},
		{"image's", nil, img, img},
		{"flags over the image's", &HealthConfig{Interval: time.Minute}, img, &HealthConfig{Test: []string{"CMD", "check"}, Interval: time.Minute, Retries: 5}},
		{"off", &HealthConfig{Test: []string{"NONE"}}, img, &HealthConfig{Test: []string{"NONE"}, Interval: time.Second, Retries: 5}},
	} {
		if got := mergeHealth(tc.user, tc.img); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		}
	}
	if probing(mergeHealth(&HealthConfig{Test: []string{"NONE"}}, img)) {
		t.Error("NONE probes")
	}
}

// TestHealthRecord follows Docker's handleProbeResult: failures in the
// start period do not count while starting; retries in a row make it
// unhealthy; a success resets the streak; the log keeps the last five.
func TestHealthRecord(t *testing.T) {
	start := time.Unix(1000, 0)
	hc := &HealthConfig{Retries: 2, StartPeriod: 10 * time.Second}
	h := &Health{Status: HealthStarting}
	at := func(sec, code int) HealthResult {
		return HealthResult{Start: start.Add(time.Duration(sec) * time.Second), ExitCode: code}
	}
	steps := []struct {
		r       HealthResult
		status  string
		streak  int
		changed bool
	}{
		{at(1, 1), HealthStarting, 0, false},
		{at(2, 1), HealthStarting, 0, false},
		{at(11, 1), HealthStarting, 1, false},
		{at(12, -1), HealthUnhealthy, 2, true},
		{at(13, 0), HealthHealthy, 0, true},
		{at(14, 1), HealthHealthy, 1, false},
	}
	for i, s := range steps {
		changed := h.record(hc, s.r, start)
		if h.Status != s.status || h.FailingStreak != s.streak || changed != s.changed {
			t.Errorf("step %d: %s streak %d changed %v; want %s %d %v", i, h.Status, h.FailingStreak, changed, s.status, s.streak, s.changed)
		}
	}
	if len(h.Log) != healthLogEntries || !h.Log[0].Start.Equal(at(2, 0).Start) {
		t.Errorf("log: %d entries from %v", len(h.Log), h.Log[0].Start)
	}
	// A success within the start period ends it: failures count from then.
	h = &Health{Status: HealthStarting}
	h.record(hc, at(1, 0), start)
	h.record(hc, at(2, 1), start)
	if h.FailingStreak != 1 {
		t.Errorf("after a success in the start period: streak %d, want 1", h.FailingStreak)
	}
}

func TestNextProbe(t *testing.T) {
	start := time.Unix(1000, 0)
	hc := &HealthConfig{Interval: time.Minute, StartPeriod: 10 * time.Second, StartInterval: time.Second}
	for _, tc := range []struct {
		h    *Health
		at   time.Duration
		want time.Duration
	}{
		{nil, 0, time.Second},
		{&Health{Status: HealthStarting}, 5 * time.Second, time.Second},
		{&Health{Status: HealthHealthy}, 5 * time.Second, time.Minute},
		{&Health{Status: HealthStarting}, 11 * time.Second, time.Minute},
	} {
		if got := nextProbe(hc, tc.h, start, start.Add(tc.at)); got != tc.want {
			t.Errorf("%+v at %v: %v, want %v", tc.h, tc.at, got, tc.want)
		}
	}
	if got := nextProbe(&HealthConfig{StartPeriod: time.Hour}, nil, start, start); got != defaultProbeInterval {
		t.Errorf("no start interval: %v, want the interval", got)
	}
}

func TestLimitedOutput(t *testing.T) {
	var l limitedOutput
	for _, p := range []string{strings.Repeat("a", healthOutputMax-1), "bc"} {
		if _, err := l.Write([]byte(p)); err != nil {
			t.Fatal(err)
		}
	}
	if got := l.String(); got != strings.Repeat("a", healthOutputMax-1)+"b..." {
		t.Errorf("cut output ends %q (%d bytes)", got[len(got)-6:], len(got))
	}
}

func TestHealthStopped(t *testing.T) {
	var none *Health
	none.stopped() // no healthcheck: nothing to do
	h := &Health{Status: HealthHealthy}
	h.stopped()
	if h.Status != HealthUnhealthy {
		t.Errorf("stopped probes: %s, want unhealthy (Docker's CloseMonitorChannel)", h.Status)
	}
}
