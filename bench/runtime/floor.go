package main

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// floorName labels the kernel's floor among the runtimes.
const floorName = "floor"

// floorFlags are the namespaces every container of the bench gets.
func floorFlags(withTime bool) uintptr {
	f := uintptr(unix.CLONE_NEWPID | unix.CLONE_NEWNS | unix.CLONE_NEWUTS | unix.CLONE_NEWIPC | unix.CLONE_NEWNET | unix.CLONE_NEWCGROUP)
	if withTime {
		f |= unix.CLONE_NEWTIME
	}
	return f
}

// floorOnce is what the kernel must do at least for one container: make
// the same namespaces, start a process in them and exec the bundle's
// /bin/true (busybox, as the containers run), then reap it. clone3 with
// the CLONE_NEW* flags is unshare and fork in one call, made from this
// process: no runtime binary starts, nothing is mounted, no cgroup made.
func (r *runner) floorOnce(withTime bool) (sample, error) {
	prog := filepath.Join(r.bundle, "rootfs", "bin", "true")
	attr := &syscall.ProcAttr{
		Files: []uintptr{0, 1, 2},
		Env:   []string{"PATH=/bin"},
		Sys:   &syscall.SysProcAttr{Cloneflags: floorFlags(withTime)},
	}
	start := time.Now()
	pid, err := syscall.ForkExec(prog, []string{"true"}, attr)
	if err != nil {
		return sample{}, fmt.Errorf("floor: clone and exec %s: %w", prog, err)
	}
	var ws syscall.WaitStatus
	for {
		_, err = syscall.Wait4(pid, &ws, 0, nil)
		if err != syscall.EINTR {
			break
		}
	}
	took := time.Since(start)
	if err != nil {
		return sample{}, fmt.Errorf("floor: wait: %w", err)
	}
	if !ws.Exited() || ws.ExitStatus() != 0 {
		return sample{}, fmt.Errorf("floor: %s ended with %v", prog, ws)
	}
	// No peak RSS: the child's would be this process's, copied by clone.
	return sample{took: map[string]time.Duration{"run": took}}, nil
}

// floorNote says what the floor row is, under the table.
func floorNote(w *os.File) {
	fmt.Fprintln(w, "floor: the kernel's least for one container, from this process: clone3 into the same new namespaces,")
	fmt.Fprintln(w, "  exec of the bundle's /bin/true, wait (no runtime binary, mounts or cgroups)")
}
