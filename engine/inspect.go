package engine

import (
	"time"
)

// Inspect is a container as `docker inspect` shows it.
type Inspect struct {
	ID              string            `json:"Id"`
	Created         string            `json:"Created"`
	Path            string            `json:"Path"`
	Args            []string          `json:"Args"`
	State           InspectState      `json:"State"`
	Image           string            `json:"Image"`
	ResolvConfPath  string            `json:"ResolvConfPath"`
	HostnamePath    string            `json:"HostnamePath"`
	HostsPath       string            `json:"HostsPath"`
	LogPath         string            `json:"LogPath"`
	Name            string            `json:"Name"`
	RestartCount    int               `json:"RestartCount"`
	Driver          string            `json:"Driver"`
	Platform        string            `json:"Platform"`
	HostConfig      InspectHostConfig `json:"HostConfig"`
	Mounts          []InspectMount    `json:"Mounts"`
	Config          InspectConfig     `json:"Config"`
	NetworkSettings NetworkSettings   `json:"NetworkSettings"`
	GraphDriver     map[string]any    `json:"GraphDriver"`
}

// InspectState is Docker's State object.
type InspectState struct {
	Status     string  `json:"Status"`
	Running    bool    `json:"Running"`
	Paused     bool    `json:"Paused"`
	Restarting bool    `json:"Restarting"`
	OOMKilled  bool    `json:"OOMKilled"`
	Dead       bool    `json:"Dead"`
	Pid        int     `json:"Pid"`
	ExitCode   int     `json:"ExitCode"`
	Error      string  `json:"Error"`
	StartedAt  string  `json:"StartedAt"`
	FinishedAt string  `json:"FinishedAt"`
	Health     *Health `json:"Health,omitempty"`
}

// InspectMount is one entry of Mounts.
type InspectMount struct {
	Type        string `json:"Type"`
	Name        string `json:"Name,omitempty"`
	Source      string `json:"Source"`
	Destination string `json:"Destination"`
	Driver      string `json:"Driver,omitempty"`
	Mode        string `json:"Mode"`
	RW          bool   `json:"RW"`
	Propagation string `json:"Propagation"`
}

// InspectConfig is Docker's Config object.
type InspectConfig struct {
	Hostname     string              `json:"Hostname"`
	Domainname   string              `json:"Domainname"`
	MacAddress   string              `json:"MacAddress,omitempty"`
	User         string              `json:"User"`
	AttachStdin  bool                `json:"AttachStdin"`
	AttachStdout bool                `json:"AttachStdout"`
	AttachStderr bool                `json:"AttachStderr"`
	Tty          bool                `json:"Tty"`
	OpenStdin    bool                `json:"OpenStdin"`
	StdinOnce    bool                `json:"StdinOnce"`
	Env          []string            `json:"Env"`
	Cmd          []string            `json:"Cmd"`
	Image        string              `json:"Image"`
	Volumes      map[string]struct{} `json:"Volumes"`
	WorkingDir   string              `json:"WorkingDir"`
	Entrypoint   []string            `json:"Entrypoint"`
	Labels       map[string]string   `json:"Labels"`
	StopSignal   string              `json:"StopSignal,omitempty"`
	StopTimeout  *int                `json:"StopTimeout,omitempty"`
	ExposedPorts map[string]struct{} `json:"ExposedPorts,omitempty"`
	Healthcheck  *HealthConfig       `json:"Healthcheck,omitempty"`
}

// NetworkSettings is what berth knows of the container's network: with
// --network none or host, no addresses of its own.
type NetworkSettings struct {
	IPAddress   string                    `json:"IPAddress"`
	IPPrefixLen int                       `json:"IPPrefixLen"`
	Gateway     string                    `json:"Gateway"`
	MacAddress  string                    `json:"MacAddress"`
	Networks    map[string]map[string]any `json:"Networks"`
	Ports       map[string]any            `json:"Ports"`
}

func zeroTime(t time.Time) string {
	if t.IsZero() {
		return "0001-01-01T00:00:00Z"
	}
	return t.Format(time.RFC3339Nano)
}

// Inspect describes a container.
func (e *Engine) Inspect(ref string) (*Inspect, error) {
	c, err := e.Get(ref)
	if err != nil {
		return nil, err
	}
	st := c.State
	dir := e.dirs.containerDir(c.ID)
	in := &Inspect{
		ID: c.ID, Created: c.Created.Format(time.RFC3339Nano), Path: c.Path, Args: c.Args,
		State: InspectState{
			Status: st.Status, Running: c.Running(), Paused: st.Status == StatusPaused,
			Restarting: st.Status == StatusRestarting, OOMKilled: st.OOMKilled, Dead: st.Status == StatusDead,
			Pid: st.Pid, ExitCode: st.ExitCode, Error: st.Error,
			StartedAt: zeroTime(st.StartedAt), FinishedAt: zeroTime(st.FinishedAt), Health: st.Health,
		},
		Image: c.ImageID, ResolvConfPath: "/etc/resolv.conf", HostnamePath: dir + "/hostname",
		HostsPath: dir + "/hosts", LogPath: e.dirs.logPath(c.ID), Name: "/" + c.Name,
		RestartCount: st.RestartCount, Driver: "overlay", Platform: "linux", HostConfig: inspectHostConfig(c.HostConfig),
		Config: InspectConfig{
			Hostname: c.Config.Hostname, Domainname: c.Config.Domainname, MacAddress: c.HostConfig.MacAddress, User: c.Config.User,
			AttachStdin: c.Config.AttachStdin, AttachStdout: c.Config.AttachStdout, AttachStderr: c.Config.AttachStderr,
			Tty: c.Config.Tty, OpenStdin: c.Config.OpenStdin, StdinOnce: c.Config.StdinOnce,
			Env: c.Config.Env, Cmd: c.Config.Cmd, Image: c.Image, Volumes: c.Config.Volumes,
			WorkingDir: c.Config.WorkingDir, Entrypoint: c.Config.Entrypoint, Labels: c.Config.Labels,
			StopSignal: c.Config.StopSignal, StopTimeout: c.Config.StopTimeout, ExposedPorts: c.Config.ExposedPorts,
			Healthcheck: c.Config.Healthcheck,
		},
		GraphDriver: e.rt.graphDriver(c),
		Mounts:      []InspectMount{},
	}
	in.NetworkSettings = e.Network().containerNetworks(c)
	for _, m := range c.HostConfig.Mounts {
		if im, ok := inspectMount(m); ok {
			in.Mounts = append(in.Mounts, im)
		}
	}
	return in, nil
}
