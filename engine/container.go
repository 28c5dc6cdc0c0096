// Package engine is the container half of berth: containers as users see
// them. It keeps their records (names, config, state) in the metadata
// database, builds each one's OCI bundle from an image's config and the
// user's flags, and runs it through the runtime library under a small
// monitor process that outlives the command that started it.
//
// A container's files:
//
//	<root>/containers/<id>/config.json    bundle, written at each start
//	<root>/containers/<id>/hostname, hosts
//	<root>/containers/<id>/<id>-json.log  Docker's json-file log
//	<runroot>/containers/<id>/rootfs      the snapshot, mounted while it runs
//	<runroot>/runtime/<id>/               the runtime library's state
//
// Status is never trusted from the record alone: a recorded pid counts as
// alive only while /proc shows the same process (pid and start time), so a
// SIGKILLed monitor or CLI cannot leave `ps` lying.
//
// What it is made of, each in a package of its own below it: the attach
// protocol (engine/attach), the json-file log (engine/jsonlog), the
// monitor's idle C loop (engine/idlemon), other OCI runtimes' command
// lines (engine/ociruntime) and --init's reaper (engine/initreaper); the
// DNS responder is network/responder. *Engine has the commands on
// containers; Network(), Volumes() and System() the others (groups.go).
package engine

import (
	"time"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
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
	Healthcheck  *HealthConfig       `json:"healthcheck,omitempty"` // flags over the image's (health.go)
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
	// them (--log-opt max-file); 0 means defaultLogFiles.
	LogMaxFile int `json:"logMaxFile,omitempty"`
	// PortBindings are published ports, "80/tcp" -> host addresses (port.go).
	PortBindings map[string][]PortBinding `json:"portBindings,omitempty"`

	NetworkConfig   // networks, --add-host, --dns ... (network.go)
	MoreResources   // limits beside the above that update sets (update.go)
	ExtraHostConfig // --pid, --ipc, --sysctl ... (create_extra.go)
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

// imageConfig is the part of an image's config a container starts from.
type imageConfig = ocispec.ImageConfig
