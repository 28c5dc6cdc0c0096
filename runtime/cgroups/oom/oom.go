// Package oom watches a container's cgroup for the OOM killer: the events
// stream's oom events and the engine's OOMKilled.
package oom

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/internal/kfile"
	"github.com/berth-containers/berth/runtime/cgroups"
)

// Watch reports the OOM killer striking in the container's cgroup.
type Watch struct {
	// C gets one value per OOM event; it is closed when the watch stops
	// (Close, or the cgroup removed).
	C    <-chan struct{}
	file *os.File
}

// Close stops the watch.
func (w *Watch) Close() error { return w.file.Close() }

// Start watches m for OOM kills: on v1 an eventfd registered on
// memory.oom_control through cgroup.event_control, on v2 inotify on
// memory.events and its oom_kill count.
func Start(m *cgroups.Manager) (*Watch, error) {
	dir, v2, err := m.MemoryDir()
	if err != nil {
		return nil, fmt.Errorf("watch for OOM kills: %w", err)
	}
	if v2 {
		return watchV2(dir)
	}
	return watchV1(dir)
}

func watchV1(dir string) (*Watch, error) {
	efd, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		return nil, fmt.Errorf("watch for OOM kills: eventfd: %w", err)
	}
	// A non-blocking fd makes a pollable File: Close wakes the reader.
	ev := os.NewFile(uintptr(efd), "oom-eventfd")
	oc, err := os.Open(filepath.Join(dir, "memory.oom_control"))
	if err != nil {
		ev.Close()
		return nil, fmt.Errorf("watch for OOM kills: %w", err)
	}
	defer oc.Close()
	reg := strconv.Itoa(efd) + " " + strconv.Itoa(int(oc.Fd()))
	if err := kfile.Write(filepath.Join(dir, "cgroup.event_control"), []byte(reg)); err != nil {
		ev.Close()
		return nil, fmt.Errorf("watch for OOM kills: %w", err)
	}
	ch := make(chan struct{}, 16)
	go func() {
		defer close(ch)
		buf := make([]byte, 8)
		for {
			if _, err := ev.Read(buf); err != nil {
				return
			}
			// The kernel also signals the eventfd when the cgroup goes away.
			if _, err := os.Stat(filepath.Join(dir, "cgroup.event_control")); err != nil {
				return
			}
			for n := binary.NativeEndian.Uint64(buf); n > 0; n-- {
				ch <- struct{}{}
			}
		}
	}()
	return &Watch{C: ch, file: ev}, nil
}

func watchV2(dir string) (*Watch, error) {
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		return nil, fmt.Errorf("watch for OOM kills: inotify: %w", err)
	}
	in := os.NewFile(uintptr(fd), "oom-inotify")
	if _, err := unix.InotifyAddWatch(fd, filepath.Join(dir, "memory.events"), unix.IN_MODIFY); err != nil {
		in.Close()
		return nil, fmt.Errorf("watch for OOM kills: watch %s: %w", filepath.Join(dir, "memory.events"), err)
	}
	seen := uint64(0)
	if ev, err := cgroups.ReadKeyValues(dir, "memory.events"); err == nil {
		seen = ev["oom_kill"]
	}
	ch := make(chan struct{}, 16)
	go func() {
		defer close(ch)
		buf := make([]byte, 4096)
		for {
			if _, err := in.Read(buf); err != nil {
				return
			}
			ev, err := cgroups.ReadKeyValues(dir, "memory.events")
			if err != nil {
				return // the cgroup is gone
			}
			for ; seen < ev["oom_kill"]; seen++ {
				ch <- struct{}{}
			}
		}
	}()
	return &Watch{C: ch, file: in}, nil
}

// Kills is how many times the OOM killer struck in m: the oom_kill count
// of v1 memory.oom_control or v2 memory.events.
func Kills(m *cgroups.Manager) (uint64, error) {
	dir, v2, err := m.MemoryDir()
	if err != nil {
		return 0, fmt.Errorf("count OOM kills: %w", err)
	}
	file := "memory.oom_control"
	if v2 {
		file = "memory.events"
	}
	kv, err := cgroups.ReadKeyValues(dir, file)
	if err != nil {
		return 0, fmt.Errorf("count OOM kills of %s: %w", dir, err)
	}
	return kv["oom_kill"], nil
}
