package caps

import (
	"fmt"
	"log/slog"
	"math/bits"
	"slices"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Set is a capability bitmask: bit n is capability n, as the kernel and
// /proc/<pid>/status show it.
type Set uint64

// Has reports whether capability n is in s.
func (s Set) Has(n int) bool { return n >= 0 && n < 64 && s&(1<<n) != 0 }

// Names lists the names of the capabilities in s, by number.
func (s Set) Names() []string {
	var out []string
	for v := uint64(s); v != 0; v &= v - 1 {
		out = append(out, Name(bits.TrailingZeros64(v)))
	}
	return out
}

// Caps holds the five capability sets of a process, limited to what the
// running kernel knows.
type Caps struct {
	Bounding, Effective, Permitted, Inheritable, Ambient Set
}

// New turns the capability names of a spec into sets. A nil c gives empty
// sets: runc drops every capability when the spec lists none. A name that is
// no capability, or one the running kernel lacks, is ignored with a
// warning, as runc 1.2 and later do.
func New(c *specs.LinuxCapabilities) (*Caps, error) {
	out := &Caps{}
	if c == nil {
		return out, nil
	}
	last := Last()
	var ignored []string
	for _, set := range []struct {
		name  string
		names []string
		dst   *Set
	}{
		{"bounding", c.Bounding, &out.Bounding},
		{"effective", c.Effective, &out.Effective},
		{"permitted", c.Permitted, &out.Permitted},
		{"inheritable", c.Inheritable, &out.Inheritable},
		{"ambient", c.Ambient, &out.Ambient},
	} {
		for _, name := range set.names {
			n, ok := byName[name]
			if !ok || n > last {
				if !slices.Contains(ignored, name) {
					ignored = append(ignored, name)
				}
				continue
			}
			*set.dst |= 1 << n
		}
	}
	if len(ignored) > 0 {
		slices.Sort(ignored)
		slog.Warn("ignoring unknown or unavailable capabilities: [" + strings.Join(ignored, " ") + "]")
	}
	return out, nil
}

// ApplyBounding drops from the calling thread's bounding set every capability
// not in c.Bounding. It needs CAP_SETPCAP in the effective set, so call it
// before switching to the container's user and before ApplyAll. The caller
// must have locked its OS thread and must exec from it.
func (c *Caps) ApplyBounding() error {
	for n := 0; n <= Last(); n++ {
		if c.Bounding.Has(n) {
			continue
		}
		if err := unix.Prctl(unix.PR_CAPBSET_DROP, uintptr(n), 0, 0, 0); err != nil {
			return fmt.Errorf("drop %s from the bounding set: %w", capName(n), err)
		}
	}
	return nil
}

// ApplyAll sets the calling thread's effective, permitted and inheritable
// sets in one capset call, then replaces its ambient set. The caller must
// have locked its OS thread and must exec from it.
//
// An ambient capability can only be raised when it is both permitted and
// inheritable. As runc, a refusal is a warning, not an error.
func (c *Caps) ApplyAll() error {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	for i := range data {
		data[i].Effective = uint32(c.Effective >> (32 * i))
		data[i].Permitted = uint32(c.Permitted >> (32 * i))
		data[i].Inheritable = uint32(c.Inheritable >> (32 * i))
	}
	if err := unix.Capset(&hdr, &data[0]); err != nil {
		return fmt.Errorf("capset effective=%#x permitted=%#x inheritable=%#x: %w",
			uint64(c.Effective), uint64(c.Permitted), uint64(c.Inheritable), err)
	}
	if err := unix.Prctl(unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0); err != nil {
		return fmt.Errorf("clear the ambient set: %w", err)
	}
	for n := 0; n <= Last(); n++ {
		if !c.Ambient.Has(n) {
			continue
		}
		if err := unix.Prctl(unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_RAISE, uintptr(n), 0, 0); err != nil {
			slog.Warn(fmt.Sprintf("can't raise ambient capability %s: %v", capName(n), err))
		}
	}
	return nil
}

// Unraisable lists the ambient capabilities the kernel will refuse to
// raise: an ambient capability must be permitted and inheritable too
// (capabilities(7)).
func (c *Caps) Unraisable() []string {
	return (c.Ambient &^ (c.Permitted & c.Inheritable)).Names()
}

// WarnUnraisable logs what ApplyAll would for each of Unraisable, for a
// process whose sets are applied where no log reaches (runtime/nsenter's C).
func (c *Caps) WarnUnraisable() {
	for _, name := range c.Unraisable() {
		slog.Warn("can't raise ambient capability " + name + ": it is not both permitted and inheritable")
	}
}

func capName(n int) string {
	if s := Name(n); s != "" {
		return s
	}
	return fmt.Sprintf("capability %d", n)
}
