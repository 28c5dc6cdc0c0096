package cgroups

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/runtime/cgroups/devices"
)

// v2Driver writes the container's cgroup in the unified hierarchy. On a
// hybrid host it only serves what v1 does not have, and only the
// controllers the parent already delegates: berth does not change the
// host's cgroup2 tree there.
type v2Driver struct {
	dir  string
	pure bool // the host is cgroup v2 only
	ctrl map[string]bool
}

func newV2Driver(dir string, pure bool) *v2Driver {
	return &v2Driver{dir: dir, pure: pure}
}

// enabled reads cgroup.controllers once: what the parent delegates.
func (d *v2Driver) enabled(name string) bool {
	if d.ctrl == nil {
		d.ctrl = map[string]bool{}
		if s, err := readString(d.dir, "cgroup.controllers"); err == nil {
			for _, c := range strings.Fields(s) {
				d.ctrl[c] = true
			}
		}
	}
	return d.ctrl[name]
}

func (d *v2Driver) has(c string) bool {
	switch c {
	case ctrlNetCls, ctrlNetPrio:
		return false // v2 has no network controllers: use an eBPF or nftables classifier
	case ctrlFreezer:
		return true // cgroup.freeze is in every non-root cgroup
	case ctrlDevices:
		return d.pure // an eBPF program; in hybrid mode v1's devices controller rules
	case ctrlUnified:
		// As runc: raw v2 files only on a v2 host. On a hybrid one the
		// unified mount has no controllers the container's limits are in.
		return d.pure
	case ctrlBlkio:
		return d.enabled("io")
	case ctrlCpuacct:
		return d.enabled("cpu") || d.pure // cpu.stat's usage is always there
	}
	return d.enabled(c)
}

func (d *v2Driver) set(c string, r *specs.LinuxResources) error {
	switch c {
	case ctrlCpuset:
		return setCpuset(d.dir, r.CPU)
	case ctrlCPU:
		return d.setCPU(r.CPU)
	case ctrlMemory:
		return d.setMemory(r.Memory)
	case ctrlPids:
		return writeFile(d.dir, "pids.max", []byte(limitString(pidsLimit(r.Pids.Limit), "max")))
	case ctrlBlkio:
		return d.setIO(r.BlockIO)
	case ctrlHugetlb:
		for _, h := range r.HugepageLimits {
			if err := writeFile(d.dir, "hugetlb."+h.Pagesize+".max", []byte(strconv.FormatUint(h.Limit, 10))); err != nil {
				return err
			}
		}
		return nil
	case ctrlRdma:
		return writeLines(d.dir, "rdma.max", rdmaLines(r.Rdma))
	case ctrlDevices:
		return devices.SetV2(d.dir, r.Devices)
	case ctrlUnified:
		return d.setUnified(r.Unified)
	}
	return fmt.Errorf("cgroup v2: no writer for controller %s", c)
}

func (d *v2Driver) setCPU(c *specs.LinuxCPU) error {
	if c.RealtimeRuntime != nil || c.RealtimePeriod != nil {
		return errors.New("cpu.realtimeRuntime and cpu.realtimePeriod: cgroup v2 has no realtime CPU controller: leave them out")
	}
	if c.Shares != nil && *c.Shares != 0 {
		if err := writeFile(d.dir, "cpu.weight", []byte(strconv.FormatUint(SharesToWeight(*c.Shares), 10))); err != nil {
			return err
		}
	}
	if c.Quota != nil || c.Period != nil {
		quota := c.Quota
		if quota == nil {
			// Only the period changes: keep the quota there is.
			if cur, err := readString(d.dir, "cpu.max"); err == nil {
				if q, err := strconv.ParseInt(strings.Fields(cur)[0], 10, 64); err == nil {
					quota = &q
				}
			}
		}
		if err := writeFile(d.dir, "cpu.max", []byte(cpuMax(quota, c.Period))); err != nil {
			return err
		}
	}
	if c.Burst != nil {
		if err := writeFile(d.dir, "cpu.max.burst", []byte(strconv.FormatUint(*c.Burst, 10))); err != nil {
			return err
		}
	}
	if c.Idle != nil {
		return writeFile(d.dir, "cpu.idle", []byte(strconv.FormatInt(*c.Idle, 10)))
	}
	return nil
}

func (d *v2Driver) setMemory(m *specs.LinuxMemory) error {
	//lint:ignore SA1019 read only to warn that it is ignored, as runc does
	if m.Kernel != nil || m.KernelTCP != nil {
		slog.Warn("linux.resources.memory.kernel and kernelTCP are ignored: cgroup v2 has no separate kernel memory limit")
	}
	if m.Swappiness != nil {
		slog.Warn("linux.resources.memory.swappiness is ignored: cgroup v2 has no per-cgroup swappiness")
	}
	if m.DisableOOMKiller != nil && *m.DisableOOMKiller {
		slog.Warn("linux.resources.memory.disableOOMKiller is ignored: cgroup v2 cannot turn the OOM killer off")
	}
	var limit int64
	if m.Limit != nil {
		limit = *m.Limit
		if limit > 0 && m.CheckBeforeUpdate != nil && *m.CheckBeforeUpdate {
			if err := checkUsage(d.dir, "memory.current", limit); err != nil {
				return err
			}
		}
	}
	if m.Swap != nil {
		val, ok, err := SwapToV2(*m.Swap, limit)
		if err != nil {
			return err
		}
		if ok {
			if err := writeFile(d.dir, "memory.swap.max", []byte(val)); err != nil {
				return err
			}
		}
	}
	if m.Limit != nil {
		if err := writeFile(d.dir, "memory.max", []byte(limitString(limit, "max"))); err != nil {
			return err
		}
	}
	if m.Reservation != nil {
		return writeFile(d.dir, "memory.low", []byte(limitString(*m.Reservation, "max")))
	}
	return nil
}

func (d *v2Driver) setIO(b *specs.LinuxBlockIO) error {
	// io.weight is the cost model's; without it only BFQ's file has weights,
	// on the v1 scale.
	weightFile, conv := "io.weight", BlkioWeightToIOWeight
	if !exists(d.dir, weightFile) {
		weightFile, conv = "io.bfq.weight", func(w uint16) uint64 { return uint64(w) }
	}
	if wantsWeights(b) && !exists(d.dir, weightFile) {
		return fmt.Errorf("blockIO weights: %s has neither io.weight nor io.bfq.weight: use the BFQ I/O scheduler or leave the weights out", d.dir)
	}
	if b.Weight != nil && *b.Weight != 0 {
		if err := writeFile(d.dir, weightFile, []byte("default "+strconv.FormatUint(conv(*b.Weight), 10))); err != nil {
			return err
		}
	}
	if b.LeafWeight != nil {
		slog.Warn("linux.resources.blockIO.leafWeight is ignored: cgroup v2 has no leaf weights")
	}
	for _, wd := range b.WeightDevice {
		if wd.Weight != nil && *wd.Weight != 0 {
			line := fmt.Sprintf("%d:%d %d", wd.Major, wd.Minor, conv(*wd.Weight))
			if err := writeFile(d.dir, weightFile, []byte(line)); err != nil {
				return err
			}
		}
	}
	return writeLines(d.dir, "io.max", ioMaxLines(b))
}

func (d *v2Driver) setUnified(u map[string]string) error {
	for k, v := range u {
		if strings.Contains(k, "/") || k == "." || k == ".." || k == "" {
			return fmt.Errorf("linux.resources.unified key %q: not a cgroup file name", k)
		}
		if !exists(d.dir, k) {
			ctrl, _, _ := strings.Cut(k, ".")
			return fmt.Errorf("linux.resources.unified key %q: %s has no such file: is the %s controller enabled for it?", k, d.dir, ctrl)
		}
		if err := writeFile(d.dir, k, []byte(v)); err != nil {
			return err
		}
	}
	return nil
}

func (d *v2Driver) freeze(frozen bool) error {
	want := "0"
	if frozen {
		want = "1"
	}
	if err := writeFile(d.dir, "cgroup.freeze", []byte(want)); err != nil {
		return err
	}
	for i := 0; i < 1000; i++ {
		events, err := ReadKeyValues(d.dir, "cgroup.events")
		if err != nil {
			return err
		}
		if strconv.FormatUint(events["frozen"], 10) == want {
			return nil
		}
		time.Sleep(time.Millisecond)
	}
	return fmt.Errorf("%s: the cgroup did not report frozen %s within 1s; try again", filepath.Join(d.dir, "cgroup.events"), want)
}

func (d *v2Driver) frozen() (bool, error) {
	s, err := readString(d.dir, "cgroup.freeze")
	return s == "1", err
}

// enableControllers delegates every available controller down to dir's
// parent, level by level from the root, as a pure-v2 host needs before
// the container's cgroup can have limits. A level that has them all is
// only read. A level a rootless caller may not write (EACCES: one above
// its delegation, whose owner enabled what it delegates), or cannot
// (EBUSY: a delegation that holds the caller's own processes), is
// skipped: a container without limits runs anyway, and a limit that
// needs a controller missing below it fails in Set, saying so.
func enableControllers(dir string) error {
	rel, err := filepath.Rel(Root, filepath.Dir(dir))
	if err != nil || strings.HasPrefix(rel, "..") {
		return nil
	}
	cur := Root
	parts := []string{}
	if rel != "." {
		parts = strings.Split(rel, "/")
	}
	for i := 0; ; i++ {
		avail, err := readString(cur, "cgroup.controllers")
		if err != nil {
			return err
		}
		on, err := readString(cur, "cgroup.subtree_control")
		if err != nil {
			return err
		}
		have := map[string]bool{}
		for _, c := range strings.Fields(on) {
			have[c] = true
		}
		var add []string
		for _, c := range strings.Fields(avail) {
			if !have[c] {
				add = append(add, "+"+c)
			}
		}
		if len(add) > 0 {
			err := writeFile(cur, "cgroup.subtree_control", []byte(strings.Join(add, " ")))
			if err != nil && !(unprivileged() && (errors.Is(err, fs.ErrPermission) || errors.Is(err, unix.EBUSY))) {
				return fmt.Errorf("delegate controllers: %w (a cgroup with processes of its own cannot delegate: move them into a child cgroup)", err)
			}
		}
		if i == len(parts) {
			return nil
		}
		cur = filepath.Join(cur, parts[i])
		if err := os.Mkdir(cur, 0o755); err != nil && !os.IsExist(err) {
			return fmt.Errorf("create cgroup %s: %w", cur, err)
		}
	}
}
