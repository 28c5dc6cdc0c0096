package storage_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/berth-containers/berth/test/testutil"
)

// TestBuildKilledInCopyLeavesNothing SIGKILLs berth while a COPY streams
// its layer (the tar into the content store's ingest file and, in the same
// pass, into the step's snapshot): the next build and a prune must leave no
// ingest file, snapshot, step directory or mount.
func TestBuildKilledInCopyLeavesNothing(t *testing.T) {
	e := newEnv(t)
	dir := testutil.WriteTree(t, map[string]string{"Dockerfile": "FROM busybox\nCOPY big /big\n"})
	big, err := os.Create(filepath.Join(dir, "big"))
	if err != nil {
		t.Fatal(err)
	}
	// Data, not a hole: the tar must be written byte by byte.
	chunk := []byte(strings.Repeat("berth layer bytes ", 1<<16))
	for n := 0; n < 64<<20; n += len(chunk) {
		if _, err := big.Write(chunk); err != nil {
			t.Fatal(err)
		}
	}
	if err := big.Close(); err != nil {
		t.Fatal(err)
	}
	e.Must("pull", "busybox")
	ingest := filepath.Join(e.Root, "ingest")
	cmd := e.Cmd("build", "-q", "--no-cache", dir)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	inCopy := func() bool {
		m, _ := filepath.Glob(filepath.Join(ingest, "unknown-*.data"))
		return len(m) > 0
	}
	for deadline := time.Now().Add(60 * time.Second); !inCopy(); {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatal("the COPY never began its layer")
		}
		time.Sleep(time.Millisecond)
	}
	cmd.Process.Kill()
	cmd.Wait()
	if !inCopy() {
		t.Fatal("the killed COPY left no ingest file: the test does not test its clean-up")
	}

	if r := e.RunIn([]byte("FROM busybox\nRUN true\n"), "build", "-q", "-f", "-", dir); r.ExitCode != 0 {
		t.Fatalf("the build after SIGKILL: exit %d\n%s", r.ExitCode, r.Stderr)
	}
	e.Must("system", "prune", "-a", "-f")
	var left []string
	entries, _ := os.ReadDir(ingest)
	for _, en := range entries {
		if en.Name() != "gc.lock" {
			left = append(left, "ingest/"+en.Name())
		}
	}
	snaps, _ := os.ReadDir(filepath.Join(e.Root, "snapshots", "overlay", "snapshots"))
	for _, en := range snaps {
		left = append(left, "snapshots/"+en.Name())
	}
	steps, _ := filepath.Glob(filepath.Join(e.Root, "builder", "mnt", "*"))
	left = append(left, steps...)
	mounts, _ := testutil.MountedUnder(e.Root)
	left = append(left, mounts...)
	if len(left) > 0 {
		t.Errorf("a build SIGKILLed in its COPY left, after the next build and a prune: %v", left)
	}
}
