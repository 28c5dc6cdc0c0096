package options

import (
	"encoding/csv"
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/berth-containers/berth/engine/record"
	"github.com/berth-containers/berth/internal/bytesize"
)

// The -v and --mount parsers follow Docker 20.10: the CLI's syntax checks
// (opts/mount.go) and then the daemon's (volume/mounts/linux_parser.go),
// with their wording, so that a flag Docker refuses is refused here too
// and one it takes means the same mount. A mount that silently comes out
// different from what was asked (read-write for readonly=yes) is worse
// than an error.

// propagations are the bind propagation modes of Linux.
var propagations = map[string]bool{
	"private": true, "rprivate": true, "slave": true, "rslave": true, "shared": true, "rshared": true,
}

// consistencies are Docker's (macOS) consistency values, taken and ignored
// on Linux as Docker does.
var consistencies = map[string]bool{"default": true, "consistent": true, "cached": true, "delegated": true}

// errVolumeSpec is Docker's error for a -v it cannot split.
func errVolumeSpec(v string) error { return fmt.Errorf("invalid volume specification: '%s'", v) }

// mountConfigError is the daemon's wording for a mount that fails its
// checks: invalid mount config for type "bind": <why>.
func mountConfigError(typ string, err error) error {
	return fmt.Errorf("invalid mount config for type %q: %w", typ, err)
}

// CheckTarget applies the daemon's rules for a container path.
func CheckTarget(typ, dst string) (string, error) {
	if dst == "" {
		return "", mountConfigError(typ, errors.New("field Target must not be empty"))
	}
	if !path.IsAbs(dst) {
		return "", mountConfigError(typ, fmt.Errorf("invalid mount path: '%s' mount path must be absolute", dst))
	}
	if path.Clean(dst) == "/" {
		return "", mountConfigError(typ, errors.New("invalid specification: destination can't be '/'"))
	}
	return path.Clean(dst), nil
}

// ParseVolume reads -v [SRC:]DST[:MODE,...]. SRC is an absolute host
// path (a bind) or a volume name; MODE is at most one each of ro|rw,
// z|Z, a propagation, nocopy and a consistency.
func ParseVolume(v string) (record.Mount, error) {
	if strings.Count(v, ":") > 2 {
		return record.Mount{}, errVolumeSpec(v)
	}
	parts := strings.SplitN(v, ":", 3)
	if parts[0] == "" {
		return record.Mount{}, errVolumeSpec(v) // "-v :/data" is no anonymous volume
	}
	var m record.Mount
	var mode string
	switch len(parts) {
	case 1:
		m = record.Mount{Type: "volume", Destination: parts[0]}
	case 2:
		if validVolumeMode(parts[1]) == nil {
			return m, errVolumeSpec(v) // "/foo:rw": a destination with no source
		}
		m.Destination = parts[1]
	case 3:
		m.Destination, mode = parts[1], parts[2]
	}
	if len(parts) > 1 {
		if filepath.IsAbs(parts[0]) {
			m.Type, m.Source, m.Options = "bind", filepath.Clean(parts[0]), "create"
		} else {
			m.Type, m.Name = "volume", parts[0]
		}
	}
	if mode != "" {
		if err := validVolumeMode(mode); err != nil {
			return m, err
		}
		for _, o := range strings.Split(mode, ",") {
			switch {
			case o == "ro":
				m.ReadOnly = true
			case o == "nocopy":
				if m.Type == "bind" {
					return m, fmt.Errorf("invalid volume specification: '%s': nocopy is only for volumes", v)
				}
				m.NoCopy = true
			case propagations[o]:
				if m.Type != "bind" {
					return m, fmt.Errorf("invalid volume specification: '%s': propagation is only for bind mounts", v)
				}
				m.Propagation = o
			}
		}
	}
	dst, err := CheckTarget(m.Type, m.Destination)
	if err != nil {
		return m, fmt.Errorf("invalid volume specification: '%s': %w", v, err)
	}
	m.Destination = dst
	return m, nil
}

// validVolumeMode checks a -v mode list as Docker's ValidMountMode does.
func validVolumeMode(mode string) error {
	var rw, label, prop, copyMode, consistency int
	for _, o := range strings.Split(mode, ",") {
		switch {
		case o == "rw" || o == "ro":
			rw++
		case o == "z" || o == "Z":
			label++
		case propagations[o]:
			prop++
		case o == "nocopy":
			copyMode++
		case consistencies[o] && o != "default":
			consistency++
		default:
			return fmt.Errorf("invalid mode: %s", mode)
		}
	}
	if rw > 1 || label > 1 || prop > 1 || copyMode > 1 || consistency > 1 {
		return fmt.Errorf("invalid mode: %s", mode)
	}
	return nil
}

// mountFlag is --mount as typed, before the checks that need its type.
type mountFlag struct {
	record.Mount
	bindOpts, volumeOpts, tmpfsOpts bool
}

// ParseMount reads --mount type=bind|volume|tmpfs,source=,target=,...
// as Docker's CSV syntax; an unknown key or a bad value is an error.
func ParseMount(v string) (record.Mount, error) {
	fields, err := csv.NewReader(strings.NewReader(v)).Read()
	if err != nil {
		return record.Mount{}, fmt.Errorf("invalid argument %q for \"--mount\" flag: %w", v, err)
	}
	f := mountFlag{Mount: record.Mount{Type: "volume"}}
	for _, field := range fields {
		if err := f.set(field); err != nil {
			return record.Mount{}, err
		}
	}
	return f.check()
}

// set applies one key[=value] field.
func (f *mountFlag) set(field string) error {
	key, val, hasVal := strings.Cut(field, "=")
	key = strings.ToLower(key)
	if !hasVal {
		switch key {
		case "readonly", "ro":
			f.ReadOnly = true
		case "volume-nocopy":
			f.NoCopy, f.volumeOpts = true, true
		default:
			return fmt.Errorf("invalid field '%s' must be a key=value pair", field)
		}
		return nil
	}
	var err error
	switch key {
	case "type":
		f.Type = strings.ToLower(val)
	case "source", "src":
		f.Source = val
	case "target", "dst", "destination":
		f.Destination = val
	case "readonly", "ro":
		if f.ReadOnly, err = strconv.ParseBool(val); err != nil {
			return fmt.Errorf("invalid value for %s: %s", key, val)
		}
	case "consistency":
		if !consistencies[strings.ToLower(val)] {
			return fmt.Errorf("invalid value for %s: %s (use consistent, cached or delegated)", key, val)
		}
	case "bind-propagation":
		f.Propagation, f.bindOpts = strings.ToLower(val), true
	case "volume-nocopy":
		if f.NoCopy, err = strconv.ParseBool(val); err != nil {
			return fmt.Errorf("invalid value for volume-nocopy: %s", val)
		}
		f.volumeOpts = true
	case "tmpfs-size":
		n, err := bytesize.Parse(val)
		if err != nil {
			return fmt.Errorf("invalid value for %s: %s", key, val)
		}
		f.Options, f.tmpfsOpts = joinOpt(f.Options, fmt.Sprintf("size=%d", n)), true
	case "tmpfs-mode":
		mode, err := strconv.ParseUint(val, 8, 32)
		if err != nil || mode > 0o7777 {
			return fmt.Errorf("invalid value for %s: %s", key, val)
		}
		f.Options, f.tmpfsOpts = joinOpt(f.Options, fmt.Sprintf("mode=%o", mode)), true
	default:
		return fmt.Errorf("unexpected key '%s' in '%s'", key, field)
	}
	return nil
}

// check applies the CLI's and then the daemon's checks of the whole mount.
func (f *mountFlag) check() (record.Mount, error) {
	m := f.Mount
	switch {
	case m.Type == "":
		return m, errors.New("type is required")
	case m.Destination == "":
		return m, errors.New("target is required")
	case f.volumeOpts && m.Type != "volume":
		return m, fmt.Errorf("cannot mix 'volume-*' options with mount type '%s'", m.Type)
	case f.bindOpts && m.Type != "bind":
		return m, fmt.Errorf("cannot mix 'bind-*' options with mount type '%s'", m.Type)
	case f.tmpfsOpts && m.Type != "tmpfs":
		return m, fmt.Errorf("cannot mix 'tmpfs-*' options with mount type '%s'", m.Type)
	}
	dst, err := CheckTarget(m.Type, m.Destination)
	if err != nil {
		return m, err
	}
	m.Destination = dst
	switch m.Type {
	case "bind":
		if m.Source == "" {
			return m, mountConfigError(m.Type, errors.New("field Source must not be empty"))
		}
		if m.Propagation != "" && !propagations[m.Propagation] {
			return m, mountConfigError(m.Type, fmt.Errorf("invalid propagation mode: %s", m.Propagation))
		}
		// The CLI makes "." and "./x" absolute; other relative paths are
		// refused by the daemon.
		if m.Source == "." || strings.HasPrefix(m.Source, "./") {
			if m.Source, err = filepath.Abs(m.Source); err != nil {
				return m, err
			}
		}
		if !filepath.IsAbs(m.Source) {
			return m, mountConfigError(m.Type, fmt.Errorf("invalid mount path: '%s' mount path must be absolute", m.Source))
		}
		m.Source = filepath.Clean(m.Source)
	case "volume":
		m.Name, m.Source = m.Source, ""
	case "tmpfs":
		if m.Source != "" {
			return m, mountConfigError(m.Type, errors.New("field Source must not be specified"))
		}
		m.Source = "tmpfs"
	default:
		return m, mountConfigError(m.Type, errors.New("mount type unknown (use bind, volume or tmpfs)"))
	}
	return m, nil
}

func joinOpt(a, b string) string {
	if a == "" {
		return b
	}
	return a + "," + b
}
