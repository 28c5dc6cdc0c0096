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
