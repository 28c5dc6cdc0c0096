package oom

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-containers/berth/runtime/cgroups"
	"github.com/berth-containers/berth/test/testutil/proctest"
)

// TestOOMKills runs a process that grows without bound in a cgroup with a
// small memory limit and checks the count goes from 0 to at least 1: the
// engine's "OOMKilled" reads it.
func TestOOMKills(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to create cgroups")
	}
	id := "berthtest-oom-" + strconv.Itoa(os.Getpid())
	m, err := cgroups.New("/berthtest/"+id, id)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Create(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := m.Destroy(); err != nil {
			t.Error(err)
		}
		for _, p := range m.Paths() {
			os.Remove(filepath.Dir(p)) // the /berthtest parent this test made
		}
	}()
	limit := int64(16 << 20)
	if err := m.Set(&specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: &limit}}); err != nil {
		t.Fatal(err)
	}
	if n, err := Kills(m); err != nil || n != 0 {
		t.Fatalf("OOMKills() before = %d, %v; want 0", n, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// tail keeps a line that never ends in memory: it grows until killed.
	cmd := exec.CommandContext(ctx, "sh", "-c", "read x; exec tail /dev/zero")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if err := m.Apply(cmd.Process.Pid); err != nil {
		proctest.KillWait(t, cmd)
		t.Fatal(err)
	}
	// Start growing only once inside the cgroup.
	if _, err := stdin.Write([]byte("go\n")); err != nil {
		proctest.KillWait(t, cmd)
		t.Fatalf("start the process: %v", err)
	}
	if err := stdin.Close(); err != nil {
		proctest.KillWait(t, cmd)
		t.Fatalf("start the process: %v", err)
	}
	if err := cmd.Wait(); ctx.Err() != nil {
		t.Fatalf("the process was not OOM-killed within 30s: %v", err)
	}
	if n, err := Kills(m); err != nil || n < 1 {
		t.Fatalf("OOMKills() after = %d, %v; want at least 1", n, err)
	}
}
