package caps

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// The apply tests re-run the test binary as a child: capabilities cannot be
// given back, so the test process itself must keep its own.
const (
	childEnv  = "BERTH_CAPS_TEST_CHILD" // JSON of the specs.LinuxCapabilities to apply
	childMode = "BERTH_CAPS_TEST_MODE"  // "thread": read our own thread; "exec": exec cat
)

func TestMain(m *testing.M) {
	if c := os.Getenv(childEnv); c != "" {
		if err := child(c, os.Getenv(childMode)); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func child(js, mode string) error {
	runtime.LockOSThread()
	var lc *specs.LinuxCapabilities
	if err := json.Unmarshal([]byte(js), &lc); err != nil {
		return err
	}
	c, err := New(lc)
	if err != nil {
		return err
	}
	if err := c.ApplyBounding(); err != nil {
		return err
	}
	if err := c.ApplyAll(); err != nil {
		return err
	}
	if mode == "exec" {
		return unix.Exec("/usr/bin/busybox", []string{"cat", "/proc/self/status"}, nil)
	}
	b, err := os.ReadFile("/proc/thread-self/status")
	if err != nil {
		return err
	}
	_, err = os.Stdout.Write(b)
	return err
}

func readCaps(t *testing.T, status []byte) Caps {
	t.Helper()
	fields := map[string]*Set{}
	var c Caps
	fields["CapBnd"], fields["CapEff"], fields["CapPrm"], fields["CapInh"], fields["CapAmb"] =
		&c.Bounding, &c.Effective, &c.Permitted, &c.Inheritable, &c.Ambient
	sc := bufio.NewScanner(bytes.NewReader(status))
	found := 0
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":\t")
		if dst := fields[k]; ok && dst != nil {
			n, err := strconv.ParseUint(v, 16, 64)
			if err != nil {
				t.Fatalf("parse %s: %v", sc.Text(), err)
			}
			*dst = Set(n)
			found++
		}
	}
	if found != len(fields) {
		t.Fatalf("status lacks capability lines:\n%s", status)
	}
	return c
}

func TestApply(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: drops and sets capabilities")
	}
	bits := func(ns ...int) Set {
		var s Set
		for _, n := range ns {
			s |= 1 << n
		}
		return s
	}
	const (
		chown, kill, setpcap, nbs, audit = unix.CAP_CHOWN, unix.CAP_KILL, unix.CAP_SETPCAP, unix.CAP_NET_BIND_SERVICE, unix.CAP_AUDIT_WRITE
	)
	reduced := &specs.LinuxCapabilities{
		Bounding:    []string{"CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_AUDIT_WRITE"},
		Effective:   []string{"CAP_KILL", "CAP_CHOWN"},
		Permitted:   []string{"CAP_KILL", "CAP_CHOWN", "CAP_NET_BIND_SERVICE"},
		Inheritable: []string{"CAP_KILL", "CAP_AUDIT_WRITE"},
		Ambient:     []string{"CAP_KILL"},
	}
	runcDefault := &specs.LinuxCapabilities{
		Bounding: []string{"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"},
		Ambient:  []string{"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"},
	}
	tests := []struct {
		name string
		caps *specs.LinuxCapabilities
		mode string
		want Caps
	}{
		{"reduced", reduced, "thread", Caps{
			Bounding: bits(chown, kill, nbs, audit), Effective: bits(kill, chown),
			Permitted: bits(kill, chown, nbs), Inheritable: bits(kill, audit), Ambient: bits(kill),
		}},
		// Root's exec gives it its bounding set back as permitted and
		// effective; what survives is bounding, inheritable and ambient.
		{"reduced across exec", reduced, "exec", Caps{
			Bounding: bits(chown, kill, nbs, audit), Effective: bits(chown, kill, nbs, audit),
			Permitted: bits(chown, kill, nbs, audit), Inheritable: bits(kill, audit), Ambient: bits(kill),
		}},
		{"ambient not inheritable is skipped", runcDefault, "thread", Caps{Bounding: bits(kill, nbs, audit)}},
		{"only setpcap", &specs.LinuxCapabilities{Bounding: []string{"CAP_SETPCAP"}, Effective: []string{"CAP_SETPCAP"},
			Permitted: []string{"CAP_SETPCAP"}}, "thread", Caps{Bounding: bits(setpcap), Effective: bits(setpcap), Permitted: bits(setpcap)}},
		{"none", nil, "thread", Caps{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			js, err := json.Marshal(tt.caps)
			if err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(os.Args[0])
			cmd.Env = append(os.Environ(), childEnv+"="+string(js), childMode+"="+tt.mode)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("child: %v: %s", err, stderr.String())
			}
			if got := readCaps(t, out); got != tt.want {
				t.Fatalf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}
