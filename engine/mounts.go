package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/berth-containers/berth/internal/statedir"
	"github.com/berth-containers/berth/volume"
)

// resolveMounts turns -v, --mount, --tmpfs and the image's VOLUMEs into
// mounts, creating named and anonymous volumes as Docker does. Image
// volumes not covered by a flag get an anonymous volume each.
func (e *Engine) resolveMounts(_ context.Context, o CreateOptions, imageVolumes map[string]struct{}) ([]Mount, error) {
	var out []Mount
	for _, v := range o.Volumes {
		m, err := parseVolumeFlag(v)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	for _, v := range o.Mounts {
		m, err := parseMountFlag(v)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	for _, t := range o.Tmpfs {
		dst, opts, _ := strings.Cut(t, ":")
		if !path.IsAbs(dst) {
			return nil, fmt.Errorf("invalid mount config for type \"tmpfs\": invalid mount path: '%s' mount path must be absolute", dst)
		}
		out = append(out, Mount{Type: "tmpfs", Source: "tmpfs", Destination: path.Clean(dst), Options: opts})
	}
	seen := map[string]bool{}
	for _, m := range out {
		if seen[m.Destination] {
			return nil, fmt.Errorf("duplicate mount point: %s", m.Destination)
		}
		seen[m.Destination] = true
	}
	var imgVols []string
	for dst := range imageVolumes {
		if !seen[path.Clean(dst)] {
			imgVols = append(imgVols, path.Clean(dst))
		}
	}
	sort.Strings(imgVols)
	for _, dst := range imgVols {
		out = append(out, Mount{Type: "volume", Destination: dst, Anonymous: true})
	}
	vols := volume.New(e.root)
	for i := range out {
		m := &out[i]
		switch m.Type {
		case "bind":
			if _, err := os.Stat(m.Source); err != nil {
				if !errors.Is(err, os.ErrNotExist) || m.Options != "create" {
					return nil, fmt.Errorf("invalid mount config for type \"bind\": bind source path does not exist: %s", m.Source)
				}
				// -v creates a missing host directory, as Docker does.
				if err := statedir.MkdirAll(m.Source, 0o755); err != nil {
					return nil, fmt.Errorf("create bind source %s: %w", m.Source, err)
				}
			}
			m.Options = ""
		case "volume":
			if m.Name == "" {
				m.Name, m.Anonymous = newID(), true
			}
			v, err := vols.Create(m.Name, nil, m.Anonymous)
			if err != nil {
				return nil, err
			}
			m.Source = v.Mountpoint
		}
	}
	return out, nil
}

// parseVolumeFlag reads -v [SRC:]DST[:ro|rw|z|Z...].
func parseVolumeFlag(v string) (Mount, error) {
	parts := strings.Split(v, ":")
	var m Mount
	switch len(parts) {
	case 1:
		m = Mount{Type: "volume", Destination: parts[0]}
	case 2, 3:
		m = Mount{Destination: parts[1]}
		if len(parts) == 3 {
			for _, o := range strings.Split(parts[2], ",") {
				switch o {
				case "ro":
					m.ReadOnly = true
				case "rw", "z", "Z", "rprivate", "private", "rslave", "slave", "rshared", "shared", "nocopy":
				default:
					return m, fmt.Errorf("invalid mode: %s", o)
				}
			}
		}
		if filepath.IsAbs(parts[0]) {
			m.Type, m.Source, m.Options = "bind", filepath.Clean(parts[0]), "create"
		} else {
			m.Type, m.Name = "volume", parts[0]
		}
	default:
		return m, fmt.Errorf("invalid volume specification: '%s'", v)
	}
	if !path.IsAbs(m.Destination) {
		return m, fmt.Errorf("invalid volume specification: '%s': the container path must be absolute", v)
	}
	m.Destination = path.Clean(m.Destination)
	return m, nil
}

// parseMountFlag reads --mount type=bind|volume|tmpfs,source=,target=,readonly.
func parseMountFlag(v string) (Mount, error) {
	m := Mount{Type: "volume"}
	for _, f := range strings.Split(v, ",") {
		k, val, hasVal := strings.Cut(f, "=")
		switch strings.ToLower(k) {
		case "type":
			m.Type = val
		case "source", "src":
			m.Source = val
		case "target", "destination", "dst":
			m.Destination = val
		case "readonly", "ro":
			m.ReadOnly = !hasVal || val == "true" || val == "1"
		case "tmpfs-size":
			m.Options = joinOpt(m.Options, "size="+val)
		case "tmpfs-mode":
			m.Options = joinOpt(m.Options, "mode="+val)
		case "bind-propagation", "volume-nocopy", "consistency":
		default:
			return m, fmt.Errorf("invalid field '%s' must be a key=value pair", f)
		}
	}
	if m.Destination == "" {
		return m, errors.New("invalid mount config: target is required (add target=/path)")
	}
	if !path.IsAbs(m.Destination) {
		return m, fmt.Errorf("invalid mount config for type %q: invalid mount path: '%s' mount path must be absolute", m.Type, m.Destination)
	}
	m.Destination = path.Clean(m.Destination)
	switch m.Type {
	case "bind":
		if m.Source == "" {
			return m, errors.New("invalid mount config for type \"bind\": field Source must not be empty")
		}
		abs, err := filepath.Abs(m.Source)
		if err != nil {
			return m, err
		}
		m.Source = abs
	case "volume":
		m.Name, m.Source = m.Source, ""
	case "tmpfs":
		if m.Source != "" {
			return m, errors.New("invalid mount config for type \"tmpfs\": source must not be given")
		}
		m.Source = "tmpfs"
	default:
		return m, fmt.Errorf("invalid mount config: mount type %q is not supported: use bind, volume or tmpfs", m.Type)
	}
	return m, nil
}

func joinOpt(a, b string) string {
	if a == "" {
		return b
	}
	return a + "," + b
}
