// Package options reads create's and run's flags, as typed, into the
// parts of a container's record (engine/record) they become, with
// Docker's syntax, ranges and wording: a flag Docker refuses is refused
// here, and one it takes means the same thing. The functions are pure but
// for the few host facts a check needs (a --device-read-bps path must be a
// block device, --cpuset-cpus must name online CPUs), which they read
// themselves or take as arguments.
//
// Sizes (--memory, --shm-size, tmpfs-size ...) are internal/bytesize's,
// the module's one size parser, shared with berth-runtime's update.
package options

import (
	"time"

	"github.com/berth-containers/berth/engine/record"
)

// CreateOptions are the flags of create and run, as typed.
type CreateOptions struct {
	Image       string
	Cmd         []string
	Name        string
	Entrypoint  *string // nil: the image's; "" clears it
	Env         []string
	EnvFiles    []string
	Workdir     string
	User        string
	Hostname    string
	Labels      []string
	TTY         bool
	Interactive bool
	Memory      string
	MemorySwap  string
	CPUs        string
	CPUShares   int64
	CpusetCpus  string
	PidsLimit   int64
	Ulimits     []string
	Volumes     []string
	Mounts      []string
	Tmpfs       []string
	ReadOnly    bool
	CapAdd      []string
	CapDrop     []string
	Privileged  bool
	SecurityOpt []string
	Devices     []string
	Init        bool
	StopSignal  string
	StopTimeout *int
	Network     string
	Restart     string
	AutoRemove  bool
	Pull        string // missing, always, never
	Platform    string
	Runtime     string
	LogMaxSize  string
	LogMaxFile  string

	NetworkOptions // --ip, -p, --dns ...
	ExtraOptions   // --pid, --ipc, --sysctl ...
	HealthOptions  // --health-cmd ...
}

// NetworkOptions are run and create's network flags besides --network.
type NetworkOptions struct {
	IP         string   // --ip
	IP6        string   // --ip6: refused, berth's networks are IPv4 only
	Aliases    []string // --network-alias
	AddHosts   []string // --add-host name:ip
	DNS        []string // --dns
	DNSSearch  []string // --dns-search
	DNSOptions []string // --dns-option
	Publish    []string // -p, --publish
	PublishAll bool     // -P
}

// ExtraOptions are create's flags past the first set: namespaces shared
// with the host or another container, kernel tunables and finer resource
// limits (engine/specgen puts them in the spec).
type ExtraOptions struct {
	ShmSize           string
	Sysctls           []string
	PidMode           string
	IpcMode           string
	UTSMode           string
	CgroupnsMode      string
	Expose            []string
	VolumesFrom       []string
	GroupAdd          []string
	Domainname        string
	CPUPeriod         int64
	CPUQuota          int64
	CpusetMems        string
	CPURtPeriod       int64 // --cpu-rt-period, µs
	CPURtRuntime      int64 // --cpu-rt-runtime, µs
	MemoryReservation string
	MemorySwappiness  *int64 // nil or -1: the kernel's
	OomScoreAdj       int
	OomKillDisable    bool
	CgroupParent      string // the cgroup the container's is made under (default /berth)
	MacAddress        string // the first network's address of the container
	BlkioWeight       uint16
	LabelFiles        []string
	Detach            bool              // run -d: nothing attached (Config.Attach*)
	Attach            []string          // run -a: the streams attached (AttachStreams)
	LogOpts           map[string]string // --log-opt as given, for inspect's LogConfig
	DeviceOptions                       // --device-cgroup-rule, --device-read-bps ...
}

// DeviceOptions are run's per-device flags: cgroup rules and block I/O
// throttles, and the OCI annotations.
type DeviceOptions struct {
	DeviceCgroupRules []string
	ReadBps           []string // PATH:RATE
	WriteBps          []string
	ReadIOps          []string
	WriteIOps         []string
	Annotations       []string // KEY=VALUE
	LogDriver         string
	UsernsMode        string
}

// HealthOptions are the --health-* flags as given.
type HealthOptions struct {
	HealthCmd           string
	HealthInterval      time.Duration
	HealthTimeout       time.Duration
	HealthStartPeriod   time.Duration
	HealthStartInterval time.Duration
	HealthRetries       int
	NoHealthcheck       bool
	// Healthcheck, when set, is taken as it is in place of the flags (the
	// API's Config.Healthcheck).
	Healthcheck *record.HealthConfig
}
