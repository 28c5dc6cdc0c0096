package devices

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-containers/berth/internal/kfile"
	"github.com/berth-containers/berth/internal/ktrace"
)

// The v1 devices controller keeps a default (allow or deny every device)
// and a list of exceptions, which devices.list shows. Writing the spec's
// rules one by one would not do: a deny of something a deny-all already
// denies is refused by the kernel for an access mode it does not know
// ("c 1:11 rwa" gets EINVAL), and rewriting the rules of a running
// container from deny-all up would deny /dev/null to it for a moment.
// So, as runc does, the rules are first evaluated into the state they
// describe (devState), and only the difference between the cgroup's
// current state and that one is written.

// devPerm is a set of device accesses: read, write, mknod.
type devPerm uint8

const (
	devRead devPerm = 1 << iota
	devWrite
	devMknod
)

// parseDevPerm reads an access string; letters other than r, w and m are
// ignored, as runc does.
func parseDevPerm(s string) devPerm {
	var p devPerm
	for _, c := range s {
		switch c {
		case 'r':
			p |= devRead
		case 'w':
			p |= devWrite
		case 'm':
			p |= devMknod
		}
	}
	return p
}

func (p devPerm) String() string {
	var b strings.Builder
	for _, x := range []struct {
		bit devPerm
		c   byte
	}{{devRead, 'r'}, {devWrite, 'w'}, {devMknod, 'm'}} {
		if p&x.bit != 0 {
			b.WriteByte(x.c)
		}
	}
	return b.String()
}

// devMeta is what an exception matches: type b or c, major and minor,
// -1 for any.
type devMeta struct {
	typ          byte
	major, minor int64
}

func (m devMeta) String() string {
	num := func(n int64) string {
		if n < 0 {
			return "*"
		}
		return strconv.FormatInt(n, 10)
	}
	return fmt.Sprintf("%c %s:%s", m.typ, num(m.major), num(m.minor))
}

// devState is a devices cgroup's default and its exceptions: denied
// devices when allowAll, allowed ones otherwise.
type devState struct {
	allowAll bool
	rules    map[devMeta]devPerm
}

// apply adds one rule as the kernel would: a rule for every device resets
// the state to its default; another one adds an exception (a rule against
// the default) or takes accesses out of one (a rule with it).
func (s *devState) apply(r specs.LinuxDeviceCgroup) error {
	if r.Type == "" || r.Type == "a" {
		*s = devState{allowAll: r.Allow}
		return nil
	}
	if r.Type != "b" && r.Type != "c" {
		return fmt.Errorf("linux.resources.devices: type %q: want a, b or c", r.Type)
	}
	meta := devMeta{typ: r.Type[0], major: -1, minor: -1}
	if r.Major != nil {
		meta.major = *r.Major
	}
	if r.Minor != nil {
		meta.minor = *r.Minor
	}
	access := r.Access
	if access == "" {
		access = "rwm"
	}
	perm := parseDevPerm(access)
	if s.rules == nil {
		s.rules = map[devMeta]devPerm{}
	}
	if r.Allow != s.allowAll {
		s.rules[meta] |= perm
		return nil
	}
	// The kernel takes accesses out of the exception that matches exactly
	// and silently ignores the part a wildcard exception covers: refuse
	// that rather than leave the device open while the spec says closed.
	for _, wild := range []devMeta{{meta.typ, -1, meta.minor}, {meta.typ, meta.major, -1}, {meta.typ, -1, -1}} {
		if wild != meta && s.rules[wild]&perm != 0 {
			return fmt.Errorf("linux.resources.devices: rule %s %s cannot take accesses out of the wider rule %s %s on cgroup v1: reorder or split the rules", meta, perm, wild, s.rules[wild])
		}
	}
	if left := s.rules[meta] &^ perm; left != 0 {
		s.rules[meta] = left
	} else {
		delete(s.rules, meta)
	}
	return nil
}

// targetDevState is the state the rules describe, from a deny-all start
// as runc's (a spec without a deny-all rule still gets a whitelist).
func targetDevState(rules []specs.LinuxDeviceCgroup) (devState, error) {
	var s devState
	for _, r := range rules {
		if err := s.apply(r); err != nil {
			return devState{}, err
		}
	}
	return s, nil
}

// specRules renders the state as rules whose last match wins (v2's
// filter): the default, then each exception against it.
func (s devState) specRules() []specs.LinuxDeviceCgroup {
	out := []specs.LinuxDeviceCgroup{{Allow: s.allowAll, Type: "a", Access: "rwm"}}
	for _, m := range sortedMetas(s.rules) {
		r := specs.LinuxDeviceCgroup{Allow: !s.allowAll, Type: string(m.typ), Access: s.rules[m].String()}
		if m.major >= 0 {
			r.Major = ptr(m.major)
		}
		if m.minor >= 0 {
			r.Minor = ptr(m.minor)
		}
		out = append(out, r)
	}
	return out
}

// parseDevicesList reads devices.list: "a *:* rwm" alone for a cgroup that
// allows everything, else the allowed exceptions, one a line.
func parseDevicesList(data string) (devState, error) {
	s := devState{rules: map[devMeta]devPerm{}}
	for _, line := range strings.Split(strings.TrimSpace(data), "\n") {
		if line == "" {
			continue
		}
		f := strings.FieldsFunc(line, func(r rune) bool { return r == ' ' || r == ':' })
		if len(f) != 4 {
			return devState{}, fmt.Errorf("devices.list: malformed line %q", line)
		}
		if f[0] == "a" {
			return devState{allowAll: true}, nil
		}
		if f[0] != "b" && f[0] != "c" {
			return devState{}, fmt.Errorf("devices.list: unknown type in %q", line)
		}
		meta := devMeta{typ: f[0][0], major: -1, minor: -1}
		for i, p := range []*int64{&meta.major, &meta.minor} {
			if f[1+i] == "*" {
				continue
			}
			n, err := strconv.ParseInt(f[1+i], 10, 64)
			if err != nil {
				return devState{}, fmt.Errorf("devices.list: bad number in %q", line)
			}
			*p = n
		}
		s.rules[meta] |= parseDevPerm(f[3])
	}
	return s, nil
}

// devUpdate is one write: a rule to devices.allow or devices.deny.
type devUpdate struct {
	allow bool
	rule  string
}

func sortedMetas(rules map[devMeta]devPerm) []devMeta {
	out := make([]devMeta, 0, len(rules))
	for m := range rules {
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.major != b.major {
			return a.major < b.major
		}
		if a.minor != b.minor {
			return a.minor < b.minor
		}
		return a.typ < b.typ
	})
	return out
}

// devTransition lists the writes that take the cgroup from cur to target
// (runc's Emulator.Transition). A default that changes, or a cgroup that
// allows everything (devices.list does not show its denied exceptions),
// starts with a rule for every device; otherwise only the accesses that
// differ are written, so a device allowed before and after stays allowed
// throughout.
func devTransition(cur, target devState) []devUpdate {
	var out []devUpdate
	old := cur.rules
	if cur.allowAll || cur.allowAll != target.allowAll {
		out = append(out, devUpdate{allow: target.allowAll, rule: "a"})
		old = nil
	}
	for _, m := range sortedMetas(old) {
		if dropped := old[m] &^ target.rules[m]; dropped != 0 {
			out = append(out, devUpdate{allow: target.allowAll, rule: m.String() + " " + dropped.String()})
		}
	}
	for _, m := range sortedMetas(target.rules) {
		if gained := target.rules[m] &^ old[m]; gained != 0 {
			out = append(out, devUpdate{allow: !target.allowAll, rule: m.String() + " " + gained.String()})
		}
	}
	return out
}

// SetV1 brings the v1 devices cgroup dir to the state of the spec's rules
// plus runc's defaults, writing only what changes.
func SetV1(dir string, rules []specs.LinuxDeviceCgroup) error {
	target, err := targetDevState(withDefaultDevices(rules))
	if err != nil {
		return err
	}
	list, err := os.ReadFile(filepath.Join(dir, "devices.list"))
	if err != nil {
		return fmt.Errorf("read cgroup devices: %w", err)
	}
	cur, err := parseDevicesList(string(list))
	if err != nil {
		return fmt.Errorf("%s: %w", dir, err)
	}
	for _, w := range devTransition(cur, target) {
		file := "devices.deny"
		if w.allow {
			file = "devices.allow"
		}
		if err := writeFile(dir, file, []byte(w.rule)); err != nil {
			return err
		}
	}
	return nil
}

func writeFile(dir, name string, data []byte) error {
	p := filepath.Join(dir, name)
	if err := kfile.Write(p, data); err != nil {
		return err
	}
	if ktrace.On() {
		ktrace.F("write(%s <- %s)", p, data)
	}
	return nil
}
