package checkpoint_test

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/berth-containers/berth/test/testutil"
)

// A pre-dump copies the container's memory and leaves it running; the
// dump after it names the pre-dump with --parent-path, so only the pages
// changed since are dumped again, and the restore reads through both
// (runc's checkpoint.bats "checkpoint --pre-dump and restore").
func TestCheckpointPreDump(t *testing.T) {
	if reason := criuCheck(t); reason != "" {
		checkpointRefused(t)
		return
	}
	rt, b, p, host, id := counter(t)
	dir := t.TempDir()
	parent, imgs := filepath.Join(dir, "parent"), filepath.Join(dir, "images")
	p.mustRun(t, rt, "checkpoint", "--pre-dump", "--image-path", parent, id)
	if st := rt.State(t, id); st.Status != "running" {
		t.Fatalf("after checkpoint --pre-dump: %s, want running", st.Status)
	}
	if pages, _ := filepath.Glob(filepath.Join(parent, "pages-*.img")); len(pages) == 0 {
		t.Fatalf("the pre-dump wrote no pages into %s", parent)
	}
	// The counter goes on between the pre-dump and the dump.
	n := waitCount(t, host, readCount(t, host))
	p.ping(t, "between")
	p.mustRun(t, rt, "checkpoint", "--parent-path", "../parent", "--image-path", imgs, id)
	if link, err := os.Readlink(filepath.Join(imgs, "parent")); err != nil || link != "../parent" {
		t.Errorf("the dump's parent link: %q (%v), want ../parent", link, err)
	}
	frozen := readCount(t, host)
	if frozen < n {
		t.Fatalf("count %d at the dump, below %d after the pre-dump", frozen, n)
	}
	p.mustRun(t, rt, "restore", "-d", "--image-path", imgs, "--bundle", b.Dir, id)
	checkRestored(t, rt, p, host, id, frozen, "after")
	rt.MustRun(t, "delete", "-f", id)
}

// With --lazy-pages the dump leaves the memory behind a page server; the
// restore starts the processes at once and CRIU's lazy-pages daemon pulls
// each page on its first fault through userfaultfd (runc's
// checkpoint.bats "checkpoint --lazy-pages and restore").
func TestCheckpointLazyPages(t *testing.T) {
	if reason := criuCheck(t); reason != "" {
		checkpointRefused(t)
		return
	}
	if out, err := exec.Command("criu", "check", "--feature", "uffd-noncoop").CombinedOutput(); err != nil {
		t.Fatalf("criu check --feature uffd-noncoop fails where criu check passes (the VM's kernel has userfaultfd): %v: %s", err, out)
	}
	rt, b, p, host, id := counter(t)
	imgs := filepath.Join(t.TempDir(), "images")
	_, port, err := net.SplitHostPort(testutil.FreeAddr(t))
	if err != nil {
		t.Fatal(err)
	}
	statusR, statusW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer statusR.Close()
	// fd 3 of the runtime: --status-fd 3 gets CRIU's "\0" once the page
	// server listens.
	dump := rt.Command("checkpoint", "--lazy-pages", "--page-server", "127.0.0.1:"+port, "--status-fd", "3", "--image-path", imgs, id)
	dump.ExtraFiles = []*os.File{statusW}
	var dumpOut testutil.Buffer
	dump.Stdout, dump.Stderr = &dumpOut, &dumpOut
	dumpDone := background(t, dump)
	statusW.Close()
	ready := make(chan bool, 1)
	go func() {
		var b [1]byte
		n, _ := statusR.Read(b[:])
		ready <- n == 1 && b[0] == 0
	}()
	select {
	case ok := <-ready:
		if !ok {
			t.Fatalf("the status fd closed without CRIU's ready byte; checkpoint said:\n%s%s", dumpOut.String(), criuLogs([]string{"--image-path", imgs}))
		}
	case err := <-dumpDone:
		t.Fatalf("checkpoint --lazy-pages ended (%v) before its page server was ready:\n%s%s", err, dumpOut.String(), criuLogs([]string{"--image-path", imgs}))
	case <-time.After(60 * time.Second):
		t.Fatalf("no ready byte on the status fd in 60 s; checkpoint said:\n%s", dumpOut.String())
	}
	if _, err := os.Stat(filepath.Join(imgs, "inventory.img")); err != nil {
		t.Fatalf("the lazy dump wrote no inventory: %v", err)
	}
	frozen := readCount(t, host)
	daemon := exec.Command("criu", "lazy-pages", "--page-server", "--address", "127.0.0.1", "--port", port, "-D", imgs, "-o", "lazy-pages.log")
	var daemonOut testutil.Buffer
	daemon.Stdout, daemon.Stderr = &daemonOut, &daemonOut
	daemonDone := background(t, daemon)
	// The daemon's socket is in its -D: the restore's work dir is the same.
	id2 := testutil.NewID(t)
	p.mustRun(t, rt, "restore", "-d", "--lazy-pages", "--image-path", imgs, "--work-path", imgs, "--bundle", b.Dir, id2)
	checkRestored(t, rt, p, host, id2, frozen, "lazy")
	for name, done := range map[string]<-chan error{"checkpoint --lazy-pages": dumpDone, "criu lazy-pages": daemonDone} {
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("%s: %v\n%s%s", name, err, dumpOut.String(), daemonOut.String())
			}
		case <-time.After(60 * time.Second):
			t.Errorf("%s still runs 60 s after the restore served every page", name)
		}
	}
	if res := rt.Run(t, "state", id); res.ExitCode == 0 {
		t.Errorf("the lazily dumped container is still there: %s", res.Stdout)
	}
	rt.MustRun(t, "delete", "-f", id2)
}

// background starts cmd and returns its Wait's result; a command still
// running when the test ends is killed and waited for.
func background(t *testing.T, cmd *exec.Cmd) <-chan error {
	t.Helper()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done, exited := make(chan error, 1), make(chan struct{})
	go func() { done <- cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		select {
		case <-exited:
		default:
			_ = cmd.Process.Kill()
			<-exited
		}
	})
	return done
}
