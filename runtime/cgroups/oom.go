package cgroups

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"golang.org/x/sys/unix"
)

// OOMWatch reports the OOM killer striking in the container's cgroup.
type OOMWatch struct {
	// C gets one value per OOM event; it is closed when the watch stops
	// (Close, or the cgroup removed).
	C    <-chan struct{}
	file *os.File
}

// Close stops the watch.
func (w *OOMWatch) Close() error { return w.file.Close() }

// WatchOOM starts watching for OOM kills: on v1 an eventfd registered on
// memory.oom_control through cgroup.event_control, on v2 inotify on
// memory.events and its oom_kill count.
func (m *Manager) WatchOOM() (*OOMWatch, error) {
	d := m.driverFor(ctrlMemory)
	switch d := d.(type) {
	case *v1Driver:
		return watchOOMv1(d.dirs[ctrlMemory])
	case *v2Driver:
		return watchOOMv2(d.dir)
	}
	return nil, errors.New("watch for OOM kills: this host has no memory cgroup controller")
}

func watchOOMv1(dir string) (*OOMWatch, error) {
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
	if err := writeFile(dir, "cgroup.event_control", []byte(reg)); err != nil {
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
	return &OOMWatch{C: ch, file: ev}, nil
}

func watchOOMv2(dir string) (*OOMWatch, error) {
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
	if ev, err := readKeyValues(dir, "memory.events"); err == nil {
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
			ev, err := readKeyValues(dir, "memory.events")
			if err != nil {
				return // the cgroup is gone
			}
			for ; seen < ev["oom_kill"]; seen++ {
				ch <- struct{}{}
			}
		}
	}()
	return &OOMWatch{C: ch, file: in}, nil
}

// OOMKills is how many times the OOM killer struck in the container's
// cgroup: the oom_kill count of v1 memory.oom_control or v2 memory.events.
func (m *Manager) OOMKills() (uint64, error) {
	var dir, file string
	switch d := m.driverFor(ctrlMemory).(type) {
	case *v1Driver:
		dir, file = d.dirs[ctrlMemory], "memory.oom_control"
	case *v2Driver:
		dir, file = d.dir, "memory.events"
	default:
		return 0, errors.New("count OOM kills: this host has no memory cgroup controller")
	}
	kv, err := readKeyValues(dir, file)
	if err != nil {
		return 0, fmt.Errorf("count OOM kills of %s: %w", dir, err)
	}
	return kv["oom_kill"], nil
}
