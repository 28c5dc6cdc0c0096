package system

import (
	"bufio"
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/berth-containers/berth/cmd/berth/internal/cli"
	"github.com/berth-containers/berth/engine"
	"github.com/berth-containers/berth/internal/eventlog"
)

func TestEventsOptions(t *testing.T) {
	for _, tc := range []struct {
		name, since, until string
		filters            []string
		follow             bool
		err                string
		bare, flag         bool
	}{
		{name: "follow", follow: true},
		{name: "until past", since: "10m", until: "0s"},
		{name: "until a duration ago", until: "1h"},
		{name: "until unix future", until: "99999999999", follow: true},
		{name: "filters", filters: []string{"type=container", "event=die"}, follow: true},
		{name: "bad since", since: "tomorrowish", err: "tomorrowish", bare: true},
		{name: "since after until", since: "100", until: "50", err: "`since` time (100.000000000) cannot be after `until` (50.000000000)"},
		{name: "bad filter key", filters: []string{"colour=red"}, err: "colour"},
		{name: "filter without =", filters: []string{"type"}, err: `invalid argument "type" for "-f, --filter" flag`, flag: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o, err := eventsOptions(tc.since, tc.until, tc.filters)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one with %q", err, tc.err)
				}
				if tc.bare != errors.As(err, &cli.BareError{}) || tc.flag != errors.As(err, &cli.FlagError{}) {
					t.Errorf("%T %v: want bare %v flag %v", err, err, tc.bare, tc.flag)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if o.read.Follow != tc.follow {
				t.Errorf("Follow %v, want %v", o.read.Follow, tc.follow)
			}
			if len(tc.filters) > 0 && (len(o.filter["type"]) != 1 || len(o.filter["event"]) != 1) {
				t.Errorf("filter %v", o.filter)
			}
		})
	}
}

func TestPrintEvents(t *testing.T) {
	root := t.TempDir()
	at := time.Date(2026, 3, 4, 5, 6, 7, 8, time.UTC)
	l := eventlog.Open(root)
	for _, ev := range []eventlog.Event{
		{Type: "container", Action: "start", Time: at, Actor: eventlog.Actor{ID: "c1", Attributes: map[string]string{"name": "web", "image": "busybox"}}},
		{Type: "network", Action: "create", Time: at.Add(time.Second), Actor: eventlog.Actor{ID: "n1"}},
	} {
		if err := l.Append(ev); err != nil {
			t.Fatal(err)
		}
	}
	stamp := func(t time.Time) string { return t.Local().Format("2006-01-02T15:04:05.000000000Z07:00") }
	for _, tc := range []struct {
		name, format string
		filters      []string
		want         string
	}{
		{"default", "", nil, stamp(at) + " container start c1 (image=busybox, name=web)\n" + stamp(at.Add(time.Second)) + " network create n1\n"},
		{"template", `{{.Type}}\t{{.Actor.Attributes.name}}`, []string{"type=container"}, "container\tweb\n"},
		{"json", "json", []string{"type=network"}, `{"Type":"network","Action":"create","Actor":{"ID":"n1","Attributes":{}},` +
			`"scope":"local","time":1772600768,"timeNano":1772600768000000008}` + "\n"},
		{"json template", "{{json .}}", []string{"event=start"}, `{"status":"start","id":"c1","from":"busybox","Type":"container",` +
			`"Action":"start","Actor":{"ID":"c1","Attributes":{"image":"busybox","name":"web"}},"scope":"local",` +
			`"time":1772600767,"timeNano":1772600767000000008}` + "\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o, err := eventsOptions("", "0s", tc.filters)
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			if err := printEvents(&b, l, o, tc.format); err != nil {
				t.Fatal(err)
			}
			if b.String() != tc.want {
				t.Errorf("got\n%s\nwant\n%s", b.String(), tc.want)
			}
		})
	}
	o, err := eventsOptions("", "0s", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := printEvents(&bytes.Buffer{}, l, o, "{{.Nope"); !errors.As(err, &cli.UsageError{}) {
		t.Errorf("bad template: %v, want a usage error", err)
	}
}

func TestPrintEventLineReusesScratch(t *testing.T) {
	var b bytes.Buffer
	w := bufio.NewWriter(&b)
	m := eventlog.Message{Type: "volume", Action: "mount", Actor: eventlog.Actor{ID: "data", Attributes: map[string]string{"z": "1", "a": "2"}}, TimeNano: 5}
	scratch := printEventLine(w, nil, m)
	printEventLine(w, scratch[:0], m)
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	line := time.Unix(0, 5).Format("2006-01-02T15:04:05.000000000Z07:00") + " volume mount data (a=2, z=1)\n"
	if b.String() != line+line {
		t.Errorf("got %q, want %q twice", b.String(), line)
	}
}

func TestPrintDiskUsage(t *testing.T) {
	rows := []engine.DiskUsageRow{
		{Type: "Images", Total: 3, Active: 1, Size: 4_000_000, Reclaimable: 1_000_000},
		{Type: "Containers", Total: 2, Active: 1, Size: 2000, Reclaimable: 1000},
		{Type: "Local Volumes", Total: 0},
	}
	for _, tc := range []struct{ name, format, want string }{
		{"table", "", "TYPE            TOTAL     ACTIVE    SIZE      RECLAIMABLE\n" +
			"Images          3         1         4MB       1MB (25%)\n" +
			"Containers      2         1         2kB       1kB\n" +
			"Local Volumes   0         0         0B        0B\n"},
		{"format", "{{.Type}}={{.Reclaimable}}", "Images=1MB (25%)\nContainers=1kB\nLocal Volumes=0B\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := printDiskUsage(&b, tc.format, rows); err != nil {
				t.Fatal(err)
			}
			if b.String() != tc.want {
				t.Errorf("got\n%q\nwant\n%q", b.String(), tc.want)
			}
		})
	}
}

func TestPrintVersion(t *testing.T) {
	v := newVersionInfo()
	var b bytes.Buffer
	printVersion(&b, v)
	out := b.String()
	// docker version's layout: values in a column after 20 characters.
	for _, want := range []string{
		"Client:\n Version:           " + v.Client.Version + "\n",
		" API version:       1.44\n",
		" Context:           default\n",
		"\nServer: berth Engine\n Engine:\n  Version:          " + v.Client.Version + "\n",
		"  Default runtime:  berth (built in)\n",
		" berth-runtime:\n  Version:          " + v.Client.Version + "\n  GitCommit:        " + v.Client.GitCommit + "\n  Spec:             1.2.0\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("version output lacks %q:\n%s", want, out)
		}
	}
}
