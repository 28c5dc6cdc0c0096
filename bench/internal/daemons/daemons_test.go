package daemons

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestFlags(t *testing.T) {
	got := strings.Join(BerthRoots("/d"), " ")
	if got != "--root /d/root --runroot /d/run" {
		t.Errorf("BerthRoots = %q", got)
	}
	pf := strings.Join(PodmanFlags("/d"), " ")
	for _, want := range []string{"--root /d/root", "--runroot /d/run", "--tmpdir /d/tmp", "--network-config-dir /d/net", "--runtime runc"} {
		if !strings.Contains(pf, want) {
			t.Errorf("PodmanFlags = %q, lacks %q", pf, want)
		}
	}
}

func TestDescendantsAndCmdline(t *testing.T) {
	cmd := exec.Command("sleep", "30")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	if !Descendants()[cmd.Process.Pid] {
		t.Fatalf("Descendants lacks child %d", cmd.Process.Pid)
	}
	// Start returns once execve has closed the CLOEXEC pipe, which the
	// kernel does before it lays out the new argv: the cmdline can read
	// empty for a moment after.
	got := Cmdline(cmd.Process.Pid)
	for end := time.Now().Add(10 * time.Second); got == "" && time.Now().Before(end); got = Cmdline(cmd.Process.Pid) {
		time.Sleep(time.Millisecond)
	}
	if got != "sleep 30" {
		t.Errorf("Cmdline = %q, want %q", got, "sleep 30")
	}
	if Descendants()[os.Getppid()] {
		t.Error("Descendants lists this process's parent")
	}
}

func TestWriteFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "c.conf")
	for _, s := range []string{"first long line\n", "short\n"} {
		if err := writeFile(p, s); err != nil {
			t.Fatal(err)
		}
		if b, err := os.ReadFile(p); err != nil || string(b) != s {
			t.Fatalf("read %q, %v; want %q (truncated)", b, err, s)
		}
	}
	if fi, _ := os.Stat(p); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
}
