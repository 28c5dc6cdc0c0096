package record

// MoreResources are the limits of HostConfig that `update` brought.
type MoreResources struct {
	MemoryReservation int64  `json:"memoryReservation,omitempty"`
	CPUPeriod         int64  `json:"cpuPeriod,omitempty"`
	CPUQuota          int64  `json:"cpuQuota,omitempty"`
	CpusetMems        string `json:"cpusetMems,omitempty"`
	// CPURealtimePeriod and CPURealtimeRuntime are cgroup v1's
	// cpu.rt_period_us and cpu.rt_runtime_us (--cpu-rt-period/-runtime).
	CPURealtimePeriod  int64  `json:"cpuRealtimePeriod,omitempty"`
	CPURealtimeRuntime int64  `json:"cpuRealtimeRuntime,omitempty"`
	BlkioWeight        uint16 `json:"blkioWeight,omitempty"`
}

// ExtraHostConfig is the record of create's flags past the first set:
// namespaces shared with the host or another container, kernel tunables
// and finer resource limits. CPU period and quota, cpuset mems, memory
// reservation and blkio weight are MoreResources: update changes them too.
type ExtraHostConfig struct {
	ShmSize          int64             `json:"shmSize,omitempty"`
	Sysctls          map[string]string `json:"sysctls,omitempty"`
	PidMode          string            `json:"pidMode,omitempty"`
	IpcMode          string            `json:"ipcMode,omitempty"`
	UTSMode          string            `json:"utsMode,omitempty"`
	CgroupnsMode     string            `json:"cgroupnsMode,omitempty"`
	VolumesFrom      []string          `json:"volumesFrom,omitempty"`
	GroupAdd         []string          `json:"groupAdd,omitempty"`
	MemorySwappiness *int64            `json:"memorySwappiness,omitempty"`
	OomScoreAdj      int               `json:"oomScoreAdj,omitempty"`
	OomKillDisable   bool              `json:"oomKillDisable,omitempty"`
	CgroupParent     string            `json:"cgroupParent,omitempty"`
	MacAddress       string            `json:"macAddress,omitempty"`
	// DefaultNetwork is set when no --network was given: Docker shows
	// NetworkMode "default" then.
	DefaultNetwork bool              `json:"defaultNetwork,omitempty"`
	LogOpts        map[string]string `json:"logOpts,omitempty"`

	DeviceHostConfig
}

// DeviceHostConfig is the record of run's per-device flags, checked:
// cgroup rules and block I/O throttles, and the OCI annotations.
type DeviceHostConfig struct {
	DeviceCgroupRules []string          `json:"deviceCgroupRules,omitempty"`
	BlkioReadBps      []ThrottleDevice  `json:"blkioReadBps,omitempty"`
	BlkioWriteBps     []ThrottleDevice  `json:"blkioWriteBps,omitempty"`
	BlkioReadIOps     []ThrottleDevice  `json:"blkioReadIOps,omitempty"`
	BlkioWriteIOps    []ThrottleDevice  `json:"blkioWriteIOps,omitempty"`
	Annotations       map[string]string `json:"annotations,omitempty"`
	UsernsMode        string            `json:"usernsMode,omitempty"` // "" or keep-id (rootless)
}

// ThrottleDevice is a rate for one block device, by path as given.
type ThrottleDevice struct {
	Path  string `json:"path"`
	Rate  uint64 `json:"rate"`
	Major int64  `json:"major"`
	Minor int64  `json:"minor"`
}

// DefaultShmSize is Docker's /dev/shm size: create records it when no
// --shm-size is given, and inspect shows it for records made before the
// flag, which hold 0.
const DefaultShmSize = 64 << 20
