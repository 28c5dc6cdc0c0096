package health

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/berth-containers/berth/engine/options"
	"github.com/berth-containers/berth/engine/record"
)

func TestFlags(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    options.HealthOptions
		want *record.HealthConfig
		err  string
	}{
		{"none", options.HealthOptions{}, nil, ""},
		{"cmd", options.HealthOptions{HealthCmd: "curl -f x", HealthInterval: time.Second, HealthRetries: 2},
			&record.HealthConfig{Test: []string{"CMD-SHELL", "curl -f x"}, Interval: time.Second, Retries: 2}, ""},
		{"durations only keep the image's test", options.HealthOptions{HealthTimeout: time.Second}, &record.HealthConfig{Timeout: time.Second}, ""},
		{"off", options.HealthOptions{NoHealthcheck: true}, &record.HealthConfig{Test: []string{"NONE"}}, ""},
		{"off and on", options.HealthOptions{NoHealthcheck: true, HealthRetries: 1}, nil, "--no-healthcheck conflicts with --health-* options"},
		{"negative interval", options.HealthOptions{HealthInterval: -time.Second}, nil, "--health-interval cannot be negative"},
		{"negative start interval", options.HealthOptions{HealthStartInterval: -1}, nil, "--health-start-interval cannot be negative"},
		{"negative retries", options.HealthOptions{HealthRetries: -1}, nil, "--health-retries cannot be negative"},
		{"the API's", options.HealthOptions{HealthCmd: "x", Healthcheck: &record.HealthConfig{Test: []string{"CMD", "true"}}}, &record.HealthConfig{Test: []string{"CMD", "true"}}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Flags(tc.o)
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

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		hc  *record.HealthConfig
		err string
	}{
		{nil, ""},
		{&record.HealthConfig{Interval: time.Millisecond, Timeout: 0, StartPeriod: time.Hour}, ""},
		{&record.HealthConfig{Interval: 999 * time.Microsecond}, "Interval in Healthcheck cannot be less than 1ms"},
		{&record.HealthConfig{Timeout: 1}, "Timeout in Healthcheck cannot be less than 1ms"},
		{&record.HealthConfig{StartPeriod: 1}, "StartPeriod in Healthcheck cannot be less than 1ms"},
		{&record.HealthConfig{StartInterval: 1}, "StartInterval in Healthcheck cannot be less than 1ms"},
		{&record.HealthConfig{Retries: -1}, "Retries in Healthcheck cannot be negative"},
		{&record.HealthConfig{Test: []string{"SHELL", "x"}}, `unknown Healthcheck test type "SHELL"`},
	} {
		err := Validate(tc.hc)
		if tc.err == "" {
			if err != nil {
				t.Errorf("%+v: %v", tc.hc, err)
			}
			continue
		}
		if err == nil || !strings.HasPrefix(err.Error(), tc.err) || !errors.Is(err, ErrInvalid) {
			t.Errorf("%+v: %v, want %q (ErrInvalid)", tc.hc, err, tc.err)
		}
	}
}

func TestMerge(t *testing.T) {
	img := &record.HealthConfig{Test: []string{"CMD", "check"}, Interval: time.Second, Retries: 5}
	for _, tc := range []struct {
		name      string
		user, img *record.HealthConfig
		want      *record.HealthConfig
	}{
		{"neither", nil, nil, nil},
		{"image's", nil, img, img},
		{"flags over the image's", &record.HealthConfig{Interval: time.Minute}, img, &record.HealthConfig{Test: []string{"CMD", "check"}, Interval: time.Minute, Retries: 5}},
		{"off", &record.HealthConfig{Test: []string{"NONE"}}, img, &record.HealthConfig{Test: []string{"NONE"}, Interval: time.Second, Retries: 5}},
	} {
		if got := Merge(tc.user, tc.img); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		}
	}
	if Probing(Merge(&record.HealthConfig{Test: []string{"NONE"}}, img)) {
		t.Error("NONE probes")
	}
}

func TestNext(t *testing.T) {
	start := time.Unix(1000, 0)
	hc := &record.HealthConfig{Interval: time.Minute, StartPeriod: 10 * time.Second, StartInterval: time.Second}
	for _, tc := range []struct {
		h    *record.Health
		at   time.Duration
		want time.Duration
	}{
		{nil, 0, time.Second},
		{&record.Health{Status: record.HealthStarting}, 5 * time.Second, time.Second},
		{&record.Health{Status: record.HealthHealthy}, 5 * time.Second, time.Minute},
		{&record.Health{Status: record.HealthStarting}, 11 * time.Second, time.Minute},
	} {
		if got := Next(hc, tc.h, start, start.Add(tc.at)); got != tc.want {
			t.Errorf("%+v at %v: %v, want %v", tc.h, tc.at, got, tc.want)
		}
	}
	if got := Next(&record.HealthConfig{StartPeriod: time.Hour}, nil, start, start); got != defaultProbeInterval {
		t.Errorf("no start interval: %v, want the interval", got)
	}
}

func TestOutput(t *testing.T) {
	var l output
	for _, p := range []string{strings.Repeat("a", healthOutputMax-1), "bc"} {
		if _, err := l.Write([]byte(p)); err != nil {
			t.Fatal(err)
		}
	}
	if got := l.String(); got != strings.Repeat("a", healthOutputMax-1)+"b..." {
		t.Errorf("cut output ends %q (%d bytes)", got[len(got)-6:], len(got))
	}
}

func TestArgv(t *testing.T) {
	for _, tc := range []struct {
		test    []string
		probing bool
		argv    []string
	}{
		{nil, false, nil},
		{[]string{"NONE"}, false, nil},
		{[]string{"CMD", "curl", "-f", "http://localhost/"}, true, []string{"curl", "-f", "http://localhost/"}},
		{[]string{"CMD-SHELL", "curl -f x || exit 1"}, true, []string{"/bin/sh", "-c", "curl -f x || exit 1"}},
	} {
		hc := &record.HealthConfig{Test: tc.test}
		if got := Probing(hc); got != tc.probing {
			t.Errorf("Probing(%q) = %v, want %v", tc.test, got, tc.probing)
		}
		if tc.probing && !reflect.DeepEqual(Argv(hc), tc.argv) {
			t.Errorf("Argv(%q) = %q, want %q", tc.test, Argv(hc), tc.argv)
		}
	}
	if Probing(nil) {
		t.Error("Probing(nil)")
	}
}

func TestFirst(t *testing.T) {
	for _, tc := range []struct {
		hc   record.HealthConfig
		want time.Duration
	}{
		{record.HealthConfig{}, defaultProbeInterval},
		{record.HealthConfig{Interval: time.Second}, time.Second},
		{record.HealthConfig{Interval: time.Second, StartPeriod: time.Minute, StartInterval: 100 * time.Millisecond}, 100 * time.Millisecond},
		{record.HealthConfig{Interval: time.Second, StartInterval: 100 * time.Millisecond}, time.Second},
	} {
		if got := First(&tc.hc); got != tc.want {
			t.Errorf("First(%+v) = %v, want %v", tc.hc, got, tc.want)
		}
	}
}
