package inspect

import (
	"strings"
	"time"

	"github.com/berth-containers/berth/engine/record"
	"github.com/berth-containers/berth/snapshot"
)

// Facts are what inspect shows that the record does not hold: where the
// engine keeps the container's files and what the network and the
// snapshotter say of it now. The engine gathers them; Of only arranges.
type Facts struct {
	// Dir is the container's directory, holding its hostname and hosts.
	Dir string
	// LogPath is its json-file log.
	LogPath string
	// DefaultNetwork is the mode a container created without --network
	// is given; Docker shows NetworkMode "default" for it.
	DefaultNetwork string
	// GraphDriver is GraphDriver(...) of the rootfs mounts.
	GraphDriver map[string]any
	// Network is the container's live endpoints.
	Network NetworkSettings
}

// Of is the container c as `docker inspect` shows it.
func Of(c *record.Container, f Facts) *Container {
	st := c.State
	in := &Container{
		ID: c.ID, Created: c.Created.Format(time.RFC3339Nano), Path: c.Path, Args: c.Args,
		State: State{
			Status: st.Status, Running: c.Running(), Paused: st.Status == record.StatusPaused,
			Restarting: st.Status == record.StatusRestarting, OOMKilled: st.OOMKilled, Dead: st.Status == record.StatusDead,
			Pid: st.Pid, ExitCode: st.ExitCode, Error: st.Error,
			StartedAt: zeroTime(st.StartedAt), FinishedAt: zeroTime(st.FinishedAt), Health: st.Health,
		},
		Image: c.ImageID, ResolvConfPath: "/etc/resolv.conf", HostnamePath: f.Dir + "/hostname",
		HostsPath: f.Dir + "/hosts", LogPath: f.LogPath, Name: "/" + c.Name,
		RestartCount: st.RestartCount, Driver: "overlay", Platform: "linux",
		HostConfig: hostConfig(c.HostConfig, f.DefaultNetwork),
		Config: Config{
			Hostname: c.Config.Hostname, Domainname: c.Config.Domainname, MacAddress: c.HostConfig.MacAddress, User: c.Config.User,
			AttachStdin: c.Config.AttachStdin, AttachStdout: c.Config.AttachStdout, AttachStderr: c.Config.AttachStderr,
			Tty: c.Config.Tty, OpenStdin: c.Config.OpenStdin, StdinOnce: c.Config.StdinOnce,
			Env: c.Config.Env, Cmd: c.Config.Cmd, Image: c.Image, Volumes: c.Config.Volumes,
			WorkingDir: c.Config.WorkingDir, Entrypoint: c.Config.Entrypoint, Labels: c.Config.Labels,
			StopSignal: c.Config.StopSignal, StopTimeout: c.Config.StopTimeout, ExposedPorts: c.Config.ExposedPorts,
			Healthcheck: c.Config.Healthcheck,
		},
		GraphDriver:     f.GraphDriver,
		Mounts:          []Mount{},
		NetworkSettings: f.Network,
	}
	for _, m := range c.HostConfig.Mounts {
		if im, ok := mount(m); ok {
			in.Mounts = append(in.Mounts, im)
		}
	}
	return in
}

// zeroTime is Docker's form of a time, and of no time yet.
func zeroTime(t time.Time) string {
	if t.IsZero() {
		return "0001-01-01T00:00:00Z"
	}
	return t.Format(time.RFC3339Nano)
}

// GraphDriver is inspect's GraphDriver: Docker's overlay2 keys (LowerDir,
// MergedDir, UpperDir, WorkDir) over berth's snapshot directories, read
// from the overlay mount the container's rootfs is (or would be) made of;
// mounts nil (a snapshot gone missing) leaves MergedDir alone.
// The name stays "overlay": the directories are berth's snapshotter's
// (<id>/fs, no diff/ or l/ short links, no -init layer), not overlay2's
// layout, and a tool that trusted the name would look for those.
func GraphDriver(mergedDir string, mounts []snapshot.Mount) map[string]any {
	data := map[string]string{"MergedDir": mergedDir}
	for k, v := range overlayDirs(mounts) {
		data[k] = v
	}
	return map[string]any{"Name": "overlay", "Data": data}
}

// overlayDirs maps an overlay mount's lowerdir, upperdir and workdir to
// Docker's names; a single-layer rootfs (a bind of one directory) is its
// UpperDir alone.
func overlayDirs(mounts []snapshot.Mount) map[string]string {
	out := map[string]string{}
	for _, m := range mounts {
		if m.Type != "overlay" {
			if m.Type == "bind" && len(mounts) == 1 {
				out["UpperDir"] = m.Source
			}
			continue
		}
		for _, o := range m.Options {
			k, v, ok := strings.Cut(o, "=")
			if !ok {
				continue
			}
			switch k {
			case "lowerdir":
				out["LowerDir"] = v
			case "upperdir":
				out["UpperDir"] = v
			case "workdir":
				out["WorkDir"] = v
			}
		}
	}
	return out
}
