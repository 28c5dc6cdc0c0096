// Package inspect is Docker's inspect view of a container: the record (and
// the few facts of the running engine it does not hold: paths, the rootfs
// mounts, live endpoints) turned into the JSON shape `docker inspect` and
// the Engine API's GET /containers/{id}/json print, with Docker's names,
// and its null, 0 or "" where a flag was not given. Scripts read these
// fields with -f and jq; they are a contract, not a debugging dump.
package inspect

import (
	"github.com/berth-containers/berth/engine/record"
)

// Container is a container as `docker inspect` shows it.
type Container struct {
	ID              string          `json:"Id"`
	Created         string          `json:"Created"`
	Path            string          `json:"Path"`
	Args            []string        `json:"Args"`
	State           State           `json:"State"`
	Image           string          `json:"Image"`
	ResolvConfPath  string          `json:"ResolvConfPath"`
	HostnamePath    string          `json:"HostnamePath"`
	HostsPath       string          `json:"HostsPath"`
	LogPath         string          `json:"LogPath"`
	Name            string          `json:"Name"`
	RestartCount    int             `json:"RestartCount"`
	Driver          string          `json:"Driver"`
	Platform        string          `json:"Platform"`
	HostConfig      HostConfig      `json:"HostConfig"`
	Mounts          []Mount         `json:"Mounts"`
	Config          Config          `json:"Config"`
	NetworkSettings NetworkSettings `json:"NetworkSettings"`
	GraphDriver     map[string]any  `json:"GraphDriver"`
}

// State is Docker's State object.
type State struct {
	Status     string         `json:"Status"`
	Running    bool           `json:"Running"`
	Paused     bool           `json:"Paused"`
	Restarting bool           `json:"Restarting"`
	OOMKilled  bool           `json:"OOMKilled"`
	Dead       bool           `json:"Dead"`
	Pid        int            `json:"Pid"`
	ExitCode   int            `json:"ExitCode"`
	Error      string         `json:"Error"`
	StartedAt  string         `json:"StartedAt"`
	FinishedAt string         `json:"FinishedAt"`
	Health     *record.Health `json:"Health,omitempty"`
}

// Mount is one entry of Mounts.
type Mount struct {
	Type        string `json:"Type"`
	Name        string `json:"Name,omitempty"`
	Source      string `json:"Source"`
	Destination string `json:"Destination"`
	Driver      string `json:"Driver,omitempty"`
	Mode        string `json:"Mode"`
	RW          bool   `json:"RW"`
	Propagation string `json:"Propagation"`
}

// Config is Docker's Config object.
type Config struct {
	Hostname     string               `json:"Hostname"`
	Domainname   string               `json:"Domainname"`
	MacAddress   string               `json:"MacAddress,omitempty"`
	User         string               `json:"User"`
	AttachStdin  bool                 `json:"AttachStdin"`
	AttachStdout bool                 `json:"AttachStdout"`
	AttachStderr bool                 `json:"AttachStderr"`
	Tty          bool                 `json:"Tty"`
	OpenStdin    bool                 `json:"OpenStdin"`
	StdinOnce    bool                 `json:"StdinOnce"`
	Env          []string             `json:"Env"`
	Cmd          []string             `json:"Cmd"`
	Image        string               `json:"Image"`
	Volumes      map[string]struct{}  `json:"Volumes"`
	WorkingDir   string               `json:"WorkingDir"`
	Entrypoint   []string             `json:"Entrypoint"`
	Labels       map[string]string    `json:"Labels"`
	StopSignal   string               `json:"StopSignal,omitempty"`
	StopTimeout  *int                 `json:"StopTimeout,omitempty"`
	ExposedPorts map[string]struct{}  `json:"ExposedPorts,omitempty"`
	Healthcheck  *record.HealthConfig `json:"Healthcheck,omitempty"`
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
