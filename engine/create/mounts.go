package create

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/berth-containers/berth/engine/core"
	"github.com/berth-containers/berth/engine/options"
	"github.com/berth-containers/berth/engine/record"
	"github.com/berth-containers/berth/internal/statedir"
	"github.com/berth-containers/berth/volume"
)

// resolveMounts turns -v, --mount, --tmpfs and the image's VOLUMEs into
// mounts, creating named and anonymous volumes as Docker does. Image
// volumes not covered by a flag get an anonymous volume each.
func (e ops) resolveMounts(_ context.Context, o options.CreateOptions, imageVolumes map[string]struct{}) ([]record.Mount, error) {
	var out []record.Mount
	for _, v := range o.Volumes {
		m, err := options.ParseVolume(v)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	for _, v := range o.Mounts {
		m, err := options.ParseMount(v)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	for _, t := range o.Tmpfs {
		dst, opts, _ := strings.Cut(t, ":")
		dst, err := options.CheckTarget("tmpfs", dst)
		if err != nil {
			return nil, err
		}
		out = append(out, record.Mount{Type: "tmpfs", Source: "tmpfs", Destination: dst, Options: opts})
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
		// An image's VOLUME is the image author's input, checked as -v's.
		clean, err := options.CheckTarget("volume", dst)
		if err != nil {
			return nil, fmt.Errorf("volume %q of the image: %w", dst, err)
		}
		if !seen[clean] {
			imgVols = append(imgVols, clean)
		}
	}
	sort.Strings(imgVols)
	for _, dst := range imgVols {
		out = append(out, record.Mount{Type: "volume", Destination: dst, Anonymous: true})
	}
	vols := volume.New(e.c.Root)
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
				m.Name, m.Anonymous = core.NewID(), true
			}
			v, err := vols.Create(m.Name, nil, nil, m.Anonymous)
			if err != nil {
				return nil, err
			}
			m.Source = v.Mountpoint
		}
	}
	return out, nil
}
