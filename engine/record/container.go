// Package record holds a container's record as the engine keeps it in its
// metadata store: what the container runs (Config), how it runs on this
// host (HostConfig), and what it is doing as last recorded (State), with
// the rules that read and change them: the status a record really has
// (Refresh), the status changes it may make (SetStatus), the restart
// policy and the healthcheck's state machine.
//
// The types are the store's JSON: a field renamed or retagged here is a
// record that older berth binaries no longer read. The package imports
// nothing of the engine, so the store, the option parsers and the spec
// generator below the engine can all share it.
package record

import (
	"time"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/runtime/signals"
)

// Status names, as Docker's.
const (
	StatusCreated    = "created"
	StatusRunning    = "running"
	StatusPaused     = "paused"
	StatusRestarting = "restarting"
	StatusExited     = "exited"
	StatusDead       = "dead"
)

// Container is one container's record.
type Container struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Image      string     `json:"image"`   // as the user named it
	ImageID    string     `json:"imageId"` // config digest
	ChainID    string     `json:"chainId"` // top layer snapshot
	Created    time.Time  `json:"created"`
	Path       string     `json:"path"`
	Args       []string   `json:"args"`
	Config     Config     `json:"config"`
	HostConfig HostConfig `json:"hostConfig"`
	State      State      `json:"state"`
}

// Config is what the container runs: the image's config merged with flags.
type Config struct {
	Hostname     string              `json:"hostname"`
	Domainname   string              `json:"domainname,omitempty"`
	User         string              `json:"user,omitempty"`
	Env          []string            `json:"env"`
	Cmd          []string            `json:"cmd"`
	Entrypoint   []string            `json:"entrypoint"`
	WorkingDir   string              `json:"workingDir,omitempty"`
	Labels       map[string]string   `json:"labels,omitempty"`
	StopSignal   string              `json:"stopSignal,omitempty"`
	StopTimeout  *int                `json:"stopTimeout,omitempty"`
	Tty          bool                `json:"tty"`
	OpenStdin    bool                `json:"openStdin"`
	AttachStdin  bool                `json:"attachStdin,omitempty"`
	AttachStdout bool                `json:"attachStdout,omitempty"`
	AttachStderr bool                `json:"attachStderr,omitempty"`
	StdinOnce    bool                `json:"stdinOnce,omitempty"`
	Volumes      map[string]struct{} `json:"volumes,omitempty"`
	ExposedPorts map[string]struct{} `json:"exposedPorts,omitempty"`
	Healthcheck  *HealthConfig       `json:"healthcheck,omitempty"` // flags over the image's
}

// HostConfig is how the container is run on this host.
type HostConfig struct {
	AutoRemove     bool              `json:"autoRemove"`
	RestartPolicy  RestartPolicy     `json:"restartPolicy"`
	NetworkMode    string            `json:"networkMode"`
	Runtime        string            `json:"runtime"`
	ReadonlyRootfs bool              `json:"readonlyRootfs"`
	Privileged     bool              `json:"privileged"`
	Init           bool              `json:"init"`
	CapAdd         []string          `json:"capAdd,omitempty"`
	CapDrop        []string          `json:"capDrop,omitempty"`
	SecurityOpt    []string          `json:"securityOpt,omitempty"`
	Devices        []string          `json:"devices,omitempty"`
	Memory         int64             `json:"memory,omitempty"`
	MemorySwap     int64             `json:"memorySwap,omitempty"`
	NanoCPUs       int64             `json:"nanoCpus,omitempty"`
	CPUShares      int64             `json:"cpuShares,omitempty"`
	CpusetCpus     string            `json:"cpusetCpus,omitempty"`
	PidsLimit      int64             `json:"pidsLimit,omitempty"`
	Ulimits        []Ulimit          `json:"ulimits,omitempty"`
	Mounts         []Mount           `json:"mounts,omitempty"`
	Tmpfs          map[string]string `json:"tmpfs,omitempty"`
	LogMaxSize     int64             `json:"logMaxSize,omitempty"`
	// LogMaxFile is how many log files are kept, the current one with
	// them (--log-opt max-file); 0 means the json-file log's default.
	LogMaxFile int `json:"logMaxFile,omitempty"`
	// PortBindings are published ports, "80/tcp" -> host addresses (network.go).
	PortBindings map[string][]PortBinding `json:"portBindings,omitempty"`

	NetworkConfig   // networks, --add-host, --dns ... (network.go)
	MoreResources   // limits beside the above that update sets (resources.go)
	ExtraHostConfig // --pid, --ipc, --sysctl ... (resources.go)
}

// RestartPolicy is --restart.
type RestartPolicy struct {
	Name              string `json:"name"` // no, always, unless-stopped, on-failure
	MaximumRetryCount int    `json:"maximumRetryCount,omitempty"`
}

// Ulimit is one --ulimit.
type Ulimit struct {
	Name string `json:"name"`
	Soft int64  `json:"soft"`
	Hard int64  `json:"hard"`
}

// Mount is one -v, --mount or --tmpfs, resolved.
type Mount struct {
	Type        string `json:"type"` // bind, volume, tmpfs
	Name        string `json:"name,omitempty"`
	Source      string `json:"source"`
	Destination string `json:"destination"`
	ReadOnly    bool   `json:"readOnly,omitempty"`
	Options     string `json:"options,omitempty"` // tmpfs options
	Anonymous   bool   `json:"anonymous,omitempty"`
	Propagation string `json:"propagation,omitempty"` // bind: rprivate unless given
	NoCopy      bool   `json:"noCopy,omitempty"`      // volume: not filled from the image
}

// State is what the container is doing, as last recorded. Pids come with
// their start times (field 22 of /proc/PID/stat) so a recycled pid is not
// taken for them.
type State struct {
	Status       string    `json:"status"`
	Pid          int       `json:"pid,omitempty"`
	PidStart     uint64    `json:"pidStart,omitempty"`
	MonitorPid   int       `json:"monitorPid,omitempty"`
	MonitorStart uint64    `json:"monitorStart,omitempty"`
	ExitCode     int       `json:"exitCode"`
	Error        string    `json:"error,omitempty"`
	OOMKilled    bool      `json:"oomKilled"`
	StartedAt    time.Time `json:"startedAt"`
	FinishedAt   time.Time `json:"finishedAt"`
	RestartCount int       `json:"restartCount"`
	// StopRequested is set by stop and kill so the restart policy does not
	// bring the container back (Docker: a manually stopped container stays
	// stopped).
	StopRequested bool `json:"stopRequested,omitempty"`
	// Health is the healthcheck's state, reset to starting at each start.
	Health *Health `json:"health,omitempty"`
}

// Argv is the process's command line: entrypoint then cmd. An image's
// shell-form instructions are already stored as /bin/sh -c "..." in its
// config, so composing the two lists is all Docker does too.
func (c *Container) Argv() []string {
	return append(append([]string{}, c.Config.Entrypoint...), c.Config.Cmd...)
}

// StopSignal is the signal stop sends first: the container's, else TERM.
func (c *Container) StopSignal() unix.Signal {
	if c.Config.StopSignal != "" {
		if sig, err := signals.Parse(c.Config.StopSignal); err == nil {
			return sig
		}
	}
	return unix.SIGTERM
}

// StopTimeout is how long stop waits before SIGKILL: --stop-timeout, else
// Docker's 10 seconds.
func (c *Container) StopTimeout() int {
	if c.Config.StopTimeout != nil {
		return *c.Config.StopTimeout
	}
	return 10
}

// ShouldRestart applies the restart policy to an exit.
func (c *Container) ShouldRestart(code int) bool {
	if c.State.StopRequested {
		return false
	}
	switch c.HostConfig.RestartPolicy.Name {
	case "always", "unless-stopped":
		return true
	case "on-failure":
		max := c.HostConfig.RestartPolicy.MaximumRetryCount
		return code != 0 && (max == 0 || c.State.RestartCount < max)
	}
	return false
}

// BootStarts applies the restart policy to a boot, as dockerd's restore:
// only a container that was started before, and that the user did not
// stop unless its policy is always.
func (c *Container) BootStarts() bool {
	if c.State.StartedAt.IsZero() {
		return false
	}
	switch c.HostConfig.RestartPolicy.Name {
	case "always":
		return true
	case "unless-stopped":
		return !c.State.StopRequested
	}
	return false
}

// ImageConfig is the container's config as an image config over ic: what
// Docker's commit keeps of it (not the hostname, the tty or stdin).
func (c *Container) ImageConfig(ic ocispec.ImageConfig) ocispec.ImageConfig {
	ic.User, ic.Env, ic.Entrypoint, ic.Cmd = c.Config.User, c.Config.Env, c.Config.Entrypoint, c.Config.Cmd
	ic.WorkingDir, ic.StopSignal = c.Config.WorkingDir, c.Config.StopSignal
	ic.Volumes, ic.ExposedPorts = c.Config.Volumes, c.Config.ExposedPorts
	if len(c.Config.Labels) > 0 {
		ic.Labels = c.Config.Labels
	}
	return ic
}
