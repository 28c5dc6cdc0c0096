package container

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/internal/atomicfile"
	"github.com/berth-containers/berth/internal/proc"
)

const (
	stateFile = "state.json"
	fifoName  = "exec.fifo"
)

// State is what berth-runtime keeps of a container in <root>/<id>/state.json.
type State struct {
	ID          string            `json:"id"`
	Bundle      string            `json:"bundle"`
	Rootfs      string            `json:"rootfs"`
	InitPid     int               `json:"initPid"`
	InitStart   uint64            `json:"initStartTime"`
	Created     time.Time         `json:"created"`
	Owner       string            `json:"owner"`
	Annotations map[string]string `json:"annotations,omitempty"`
	CgroupPaths map[string]string `json:"cgroupPaths,omitempty"`
	// Hooks run after the container is gone (poststop) and after start.
	Hooks *specs.Hooks `json:"hooks,omitempty"`
	// Terminal says the process has a pty (process.terminal).
	Terminal bool `json:"terminal,omitempty"`
	// Namespaces as configured, for joining them later.
	Namespaces []specs.LinuxNamespace `json:"namespaces,omitempty"`
}

// Status is the lifecycle state as the OCI spec names it.
type Status = specs.ContainerState

// saveState writes state.json atomically, unsynced as runc's: a crash ends
// the container's processes, so its state means nothing; fsync cost 1-7 ms.
func saveState(dir string, st *State) error {
	data, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("encode state of %s: %w", st.ID, err)
	}
	return atomicfile.WriteFileUnsynced(filepath.Join(dir, stateFile), data, 0o600)
}

func loadState(dir string) (*State, error) {
	data, err := os.ReadFile(filepath.Join(dir, stateFile))
	if err != nil {
		return nil, err
	}
	var st State
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, fmt.Errorf("decode %s: %w", filepath.Join(dir, stateFile), err)
	}
	return &st, nil
}

// alive says whether the state's init still runs (a zombie does not).
func (st *State) alive() bool {
	return proc.Alive(st.InitPid, st.InitStart)
}

// lock takes the container's lock: one berth-runtime at a time changes it.
func lock(dir string) (*os.File, error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", dir, err)
	}
	return f, nil
}
