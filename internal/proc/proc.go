// Package proc reads what berth needs to know of a process from /proc.
package proc

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// StartTime reads field 22 of /proc/PID/stat, the process's start time in
// clock ticks after boot, and its state letter ('R', 'S', 'Z', ...). A pid
// alone can be reused; a pid with its start time names one process for good.
func StartTime(pid int) (start uint64, state byte, err error) {
	if pid <= 0 {
		return 0, 0, fmt.Errorf("read /proc/%d/stat: not a pid", pid)
	}
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, 0, err
	}
	// comm may hold spaces and parentheses: fields start after the last ')'.
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return 0, 0, fmt.Errorf("parse /proc/%d/stat", pid)
	}
	fields := strings.Fields(string(data[i+1:]))
	if len(fields) < 20 {
		return 0, 0, fmt.Errorf("parse /proc/%d/stat", pid)
	}
	start, err = strconv.ParseUint(fields[19], 10, 64)
	if err != nil {
		return 0, 0, fmt.Errorf("parse /proc/%d/stat: %w", pid, err)
	}
	return start, fields[0][0], nil
}

// Alive says whether pid is still the process that started at start. A
// zombie is not alive: it has exited and only waits to be reaped. But a
// leader shows as a zombie too while another of its threads execs (the
// kernel's de_thread, as when a Go monitor execs its idle loop): the
// process lives on while one of its threads does. A look in the middle
// of that exec can still see no live thread (a loop of Go execs shows it
// within seconds): what ends on a death seen once must look again (the
// engine's log follow does).
func Alive(pid int, start uint64) bool {
	got, state, err := StartTime(pid)
	if err != nil || got != start {
		return false
	}
	return (state != 'Z' && state != 'X') || liveThread(pid)
}

// liveThread says whether a thread of pid other than its leader runs.
func liveThread(pid int) bool {
	dir := "/proc/" + strconv.Itoa(pid) + "/task/"
	tasks, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, t := range tasks {
		if t.Name() == strconv.Itoa(pid) {
			continue
		}
		data, err := os.ReadFile(dir + t.Name() + "/stat")
		i := bytes.LastIndexByte(data, ')')
		if err != nil || i < 0 || i+2 >= len(data) {
			continue
		}
		if st := data[i+2]; st != 'Z' && st != 'X' {
			return true
		}
	}
	return false
}
