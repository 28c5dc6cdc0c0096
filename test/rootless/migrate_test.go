package rootless_test

import (
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/berth-containers/berth/test/testutil"
)

// TestSystemMigrate: system migrate stops the user's containers and ends
// the pause process; the next command makes a new store namespace, in
// which the stopped container starts again.
func TestSystemMigrate(t *testing.T) {
	e := newEnv(t)
	e.ok("run", "-d", "--name", "svc", "--stop-timeout", "1", "--network", "none", "busybox", "sleep", "300")
	old := e.pausePID()
	if old == 0 {
		t.Fatal("no pause process after run -d")
	}
	oldNS, err := os.Readlink("/proc/" + strconv.Itoa(old) + "/ns/user")
	if err != nil {
		t.Fatal(err)
	}
	if out := e.ok("system", "migrate"); out != "" {
		t.Errorf("system migrate printed %q, want nothing", out)
	}
	if !testutil.WaitFor(5*time.Second, func() bool {
		var ws syscall.WaitStatus
		_, _ = syscall.Wait4(old, &ws, syscall.WNOHANG, nil) // reparented to this subreaper
		return syscall.Kill(old, 0) != nil
	}) {
		t.Fatalf("pause process %d outlived system migrate", old)
	}
	if _, err := os.Stat(e.u.Runtime + "/berth/pause.pid"); !os.IsNotExist(err) {
		t.Errorf("pause.pid after system migrate: %v", err)
	}
	if got := strings.TrimSpace(e.ok("inspect", "-f", "{{.State.Status}}", "svc")); got != "exited" {
		t.Errorf("svc after system migrate: %q, want exited", got)
	}
	e.ok("start", "svc")
	pid := e.pausePID()
	ns, err := os.Readlink("/proc/" + strconv.Itoa(pid) + "/ns/user")
	if err != nil || pid == old || ns == oldNS {
		t.Errorf("after migrate: pause %d in %s (%v), was %d in %s: want a new namespace", pid, ns, err, old, oldNS)
	}
	if got := strings.TrimSpace(e.ok("inspect", "-f", "{{.State.Status}}", "svc")); got != "running" {
		t.Errorf("svc started after migrate: %q", got)
	}
}
