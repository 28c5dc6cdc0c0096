package inspect

import (
	"strings"

	"github.com/berth-containers/berth/engine/record"
)

// HostConfig is Docker's HostConfig object, made from the record:
// Docker's names, and null, 0 or "" where Docker shows them for a flag not
// given.
type HostConfig struct {
	Binds              []string                        `json:"Binds"`
	ContainerIDFile    string                          `json:"ContainerIDFile"`
	LogConfig          LogConfig                       `json:"LogConfig"`
	NetworkMode        string                          `json:"NetworkMode"`
	PortBindings       map[string][]record.PortBinding `json:"PortBindings"`
	RestartPolicy      RestartPolicy                   `json:"RestartPolicy"`
	AutoRemove         bool                            `json:"AutoRemove"`
	VolumeDriver       string                          `json:"VolumeDriver"`
	VolumesFrom        []string                        `json:"VolumesFrom"`
	CapAdd             []string                        `json:"CapAdd"`
	CapDrop            []string                        `json:"CapDrop"`
	CgroupnsMode       string                          `json:"CgroupnsMode"`
	CgroupParent       string                          `json:"CgroupParent"`
	Dns                []string                        `json:"Dns"`
	DnsOptions         []string                        `json:"DnsOptions"`
	DnsSearch          []string                        `json:"DnsSearch"`
	ExtraHosts         []string                        `json:"ExtraHosts"`
	GroupAdd           []string                        `json:"GroupAdd"`
	IpcMode            string                          `json:"IpcMode"`
	OomScoreAdj        int                             `json:"OomScoreAdj"`
	PidMode            string                          `json:"PidMode"`
	Privileged         bool                            `json:"Privileged"`
	PublishAllPorts    bool                            `json:"PublishAllPorts"`
	ReadonlyRootfs     bool                            `json:"ReadonlyRootfs"`
	SecurityOpt        []string                        `json:"SecurityOpt"`
	Tmpfs              map[string]string               `json:"Tmpfs,omitempty"`
	UTSMode            string                          `json:"UTSMode"`
	ShmSize            int64                           `json:"ShmSize"`
	Sysctls            map[string]string               `json:"Sysctls,omitempty"`
	Runtime            string                          `json:"Runtime"`
	CpuShares          int64                           `json:"CpuShares"`
	Memory             int64                           `json:"Memory"`
	NanoCpus           int64                           `json:"NanoCpus"`
	BlkioWeight        uint16                          `json:"BlkioWeight"`
	CpuPeriod          int64                           `json:"CpuPeriod"`
	CpuQuota           int64                           `json:"CpuQuota"`
	CpusetCpus         string                          `json:"CpusetCpus"`
	CpusetMems         string                          `json:"CpusetMems"`
	CpuRealtimePeriod  int64                           `json:"CpuRealtimePeriod"`
	CpuRealtimeRuntime int64                           `json:"CpuRealtimeRuntime"`
	Devices            []Device                        `json:"Devices"`
	MemoryReservation  int64                           `json:"MemoryReservation"`
	MemorySwap         int64                           `json:"MemorySwap"`
	MemorySwappiness   *int64                          `json:"MemorySwappiness"`
	OomKillDisable     bool                            `json:"OomKillDisable"`
	PidsLimit          *int64                          `json:"PidsLimit"`
	Ulimits            []Ulimit                        `json:"Ulimits"`
	Init               *bool                           `json:"Init,omitempty"`
}

// LogConfig is the log driver: berth's is always json-file.
type LogConfig struct {
	Type   string            `json:"Type"`
	Config map[string]string `json:"Config"`
}

// RestartPolicy is --restart as Docker shows it.
type RestartPolicy struct {
	Name              string `json:"Name"`
	MaximumRetryCount int    `json:"MaximumRetryCount"`
}

// Device is one --device.
type Device struct {
	PathOnHost        string `json:"PathOnHost"`
	PathInContainer   string `json:"PathInContainer"`
	CgroupPermissions string `json:"CgroupPermissions"`
}

// Ulimit is one --ulimit.
type Ulimit struct {
	Name string `json:"Name"`
	Hard int64  `json:"Hard"`
	Soft int64  `json:"Soft"`
}

// hostConfig turns the record into Docker's HostConfig; defaultNetwork is
// the mode a container created without --network is given.
func hostConfig(hc record.HostConfig, defaultNetwork string) HostConfig {
	x := hc.ExtraHostConfig
	out := HostConfig{
		LogConfig:    LogConfig{Type: "json-file", Config: map[string]string{}},
		NetworkMode:  hc.NetworkMode,
		PortBindings: hc.PortBindings,
		RestartPolicy: RestartPolicy{Name: hc.RestartPolicy.Name,
			MaximumRetryCount: hc.RestartPolicy.MaximumRetryCount},
		AutoRemove: hc.AutoRemove, VolumesFrom: x.VolumesFrom, CapAdd: hc.CapAdd, CapDrop: hc.CapDrop,
		CgroupnsMode: x.CgroupnsMode, CgroupParent: x.CgroupParent, Dns: nonNil(hc.DNS), DnsOptions: nonNil(hc.DNSOptions),
		DnsSearch: nonNil(hc.DNSSearch), ExtraHosts: hc.ExtraHosts, GroupAdd: x.GroupAdd,
		IpcMode: x.IpcMode, OomScoreAdj: x.OomScoreAdj, PidMode: x.PidMode, Privileged: hc.Privileged,
		PublishAllPorts: hc.PublishAllPorts, ReadonlyRootfs: hc.ReadonlyRootfs, SecurityOpt: hc.SecurityOpt,
		UTSMode: x.UTSMode, ShmSize: x.ShmSize, Sysctls: x.Sysctls, Runtime: hc.Runtime,
		CpuShares: hc.CPUShares, Memory: hc.Memory, NanoCpus: hc.NanoCPUs, BlkioWeight: hc.BlkioWeight,
		CpuPeriod: hc.CPUPeriod, CpuQuota: hc.CPUQuota, CpusetCpus: hc.CpusetCpus, CpusetMems: hc.CpusetMems,
		CpuRealtimePeriod: hc.CPURealtimePeriod, CpuRealtimeRuntime: hc.CPURealtimeRuntime,
		Devices: []Device{}, MemoryReservation: hc.MemoryReservation, MemorySwap: hc.MemorySwap,
		MemorySwappiness: x.MemorySwappiness, OomKillDisable: x.OomKillDisable,
	}
	for k, v := range x.LogOpts {
		out.LogConfig.Config[k] = v
	}
	if x.DefaultNetwork && hc.NetworkMode == defaultNetwork {
		out.NetworkMode = "default"
	}
	if out.PortBindings == nil {
		out.PortBindings = map[string][]record.PortBinding{}
	}
	if out.IpcMode == "" { // records made before --ipc
		out.IpcMode = "private"
	}
	if out.CgroupnsMode == "" {
		out.CgroupnsMode = "host"
	}
	if out.ShmSize == 0 {
		out.ShmSize = record.DefaultShmSize
	}
	if hc.PidsLimit != 0 {
		l := hc.PidsLimit
		out.PidsLimit = &l
	}
	if hc.Init {
		t := true
		out.Init = &t
	}
	for _, u := range hc.Ulimits {
		out.Ulimits = append(out.Ulimits, Ulimit{Name: u.Name, Hard: u.Hard, Soft: u.Soft})
	}
	for _, d := range hc.Devices {
		parts := strings.Split(d, ":")
		dev := Device{PathOnHost: parts[0], PathInContainer: parts[0], CgroupPermissions: "rwm"}
		if len(parts) > 1 && parts[1] != "" {
			dev.PathInContainer = parts[1]
		}
		if len(parts) > 2 {
			dev.CgroupPermissions = parts[2]
		}
		out.Devices = append(out.Devices, dev)
	}
	for _, m := range hc.Mounts {
		switch {
		case m.Type == "tmpfs":
			if out.Tmpfs == nil {
				out.Tmpfs = map[string]string{}
			}
			out.Tmpfs[m.Destination] = m.Options
		case !m.Anonymous:
			src := m.Source
			if m.Type == "volume" {
				src = m.Name
			}
			b := src + ":" + m.Destination
			if m.ReadOnly {
				b += ":ro"
			}
			out.Binds = append(out.Binds, b)
		}
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// mount is one entry of the top-level Mounts, as Docker's: tmpfs
// mounts are in HostConfig.Tmpfs instead (ok false).
func mount(m record.Mount) (Mount, bool) {
	if m.Type == "tmpfs" {
		return Mount{}, false
	}
	im := Mount{Type: m.Type, Name: m.Name, Source: m.Source, Destination: m.Destination, RW: !m.ReadOnly}
	switch m.Type {
	case "bind":
		im.Propagation = m.Propagation
		if im.Propagation == "" {
			im.Propagation = "rprivate"
		}
	case "volume":
		im.Driver = "local"
		if !m.Anonymous {
			im.Mode = "z" // Docker's -v NAME:/dir, which relabels where SELinux is on
		}
	}
	if m.ReadOnly {
		im.Mode = "ro"
	}
	return im, true
}
