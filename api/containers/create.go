package containers

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/moby/moby/api/types/container"

	"github.com/berth-containers/berth/api/router"
	"github.com/berth-containers/berth/engine/options"
	"github.com/berth-containers/berth/engine/record"
)

// hostConfigFields are the HostConfig fields that createOptions turns into
// berth's create options. Any other field with a value is refused (400):
// a client must not believe a limit or a mode is in force that is not.
var hostConfigFields = map[string]bool{
	"Binds": true, "LogConfig": true, "NetworkMode": true, "PortBindings": true, "RestartPolicy": true,
	"AutoRemove": true, "VolumesFrom": true, "CapAdd": true, "CapDrop": true, "CgroupnsMode": true,
	"Dns": true, "DnsOptions": true, "DnsSearch": true, "ExtraHosts": true, "GroupAdd": true,
	"IpcMode": true, "OomScoreAdj": true, "PidMode": true, "Privileged": true, "PublishAllPorts": true,
	"ReadonlyRootfs": true, "SecurityOpt": true, "Tmpfs": true, "UTSMode": true, "ShmSize": true,
	"Sysctls": true, "Runtime": true, "Mounts": true, "Init": true,
	"CpuShares": true, "Memory": true, "NanoCpus": true, "CpuPeriod": true, "CpuQuota": true,
	"CpusetCpus": true, "CpusetMems": true, "Devices": true, "DeviceCgroupRules": true,
	"MemoryReservation": true, "MemorySwap": true, "MemorySwappiness": true, "OomKillDisable": true,
	"PidsLimit": true, "Ulimits": true, "BlkioWeight": true, "CpuRealtimePeriod": true, "CpuRealtimeRuntime": true,
	// The terminal's first size comes through resize; isolation and the
	// cgroup namespace's "" are Linux's defaults.
	"ConsoleSize": true, "Isolation": true,
}

// unsupported lists the fields of raw (a JSON object) that have a value
// and are not in known, sorted.
func unsupported(raw json.RawMessage, known map[string]bool) ([]string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, router.BadRequest("invalid JSON in request body: %v", err)
	}
	var out []string
	for k, v := range m {
		if !known[k] && !isZero(v) {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out, nil
}

// isZero says whether a decoded JSON value is what a client sends for
// "not set": null, false, 0, "", or an empty or all-zero array or object.
func isZero(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case bool:
		return !x
	case float64:
		return x == 0
	case string:
		return x == ""
	case []any:
		for _, e := range x {
			if !isZero(e) {
				return false
			}
		}
		return true
	case map[string]any:
		for _, e := range x {
			if !isZero(e) {
				return false
			}
		}
		return true
	}
	return false
}

// createRequest is Docker's create body, with the raw HostConfig kept for
// the check of unsupported fields.
type createRequest struct {
	container.Config
	HostConfig       json.RawMessage
	NetworkingConfig struct {
		EndpointsConfig map[string]*struct {
			Aliases    []string
			IPAMConfig *struct{ IPv4Address string }
		}
	}
}

// createOptions turns an API create request into the options of `berth
// create`, so both go through the same checks.
func createOptions(r *http.Request) (options.CreateOptions, error) {
	var req createRequest
	var o options.CreateOptions
	if err := router.DecodeBody(r, &req); err != nil {
		return o, err
	}
	bad, err := unsupported(req.HostConfig, hostConfigFields)
	if err != nil {
		return o, err
	}
	if len(bad) > 0 {
		return o, router.BadRequest("berth does not support HostConfig.%s", strings.Join(bad, ", HostConfig."))
	}
	var hc container.HostConfig
	if len(req.HostConfig) > 0 {
		if err := json.Unmarshal(req.HostConfig, &hc); err != nil {
			return o, router.BadRequest("invalid HostConfig: %v", err)
		}
	}
	c := req.Config
	if c.Image == "" {
		return o, router.BadRequest("config.Image is required")
	}
	o = options.CreateOptions{
		Image: c.Image, Cmd: c.Cmd, Name: r.URL.Query().Get("name"), Env: c.Env, Workdir: c.WorkingDir,
		User: c.User, Hostname: c.Hostname, TTY: c.Tty, Interactive: c.OpenStdin, StopSignal: c.StopSignal,
		StopTimeout: c.StopTimeout, Pull: "never", Platform: r.URL.Query().Get("platform"),
	}
	if h := c.Healthcheck; h != nil {
		o.Healthcheck = &record.HealthConfig{Test: h.Test, Interval: h.Interval, Timeout: h.Timeout,
			StartPeriod: h.StartPeriod, StartInterval: h.StartInterval, Retries: h.Retries}
	}
	if c.Entrypoint != nil {
		ep := strings.Join(c.Entrypoint, " ")
		if len(c.Entrypoint) > 1 {
			// berth's --entrypoint is one word, as Docker's flag; the
			// rest goes before the command.
			ep = c.Entrypoint[0]
			o.Cmd = append(append([]string{}, c.Entrypoint[1:]...), c.Cmd...)
		}
		o.Entrypoint = &ep
	}
	for k, v := range c.Labels {
		o.Labels = append(o.Labels, k+"="+v)
	}
	sort.Strings(o.Labels)
	for p := range c.ExposedPorts {
		o.Expose = append(o.Expose, p.String())
	}
	o.Domainname = c.Domainname
	o.Detach = !c.AttachStdin && !c.AttachStdout && !c.AttachStderr
	// The streams the client attaches, as run -a names them.
	for _, st := range []struct {
		on   bool
		name string
	}{{c.AttachStdin, "stdin"}, {c.AttachStdout, "stdout"}, {c.AttachStderr, "stderr"}} {
		if st.on {
			o.Attach = append(o.Attach, st.name)
		}
	}
	if err := hostOptions(&o, &hc); err != nil {
		return o, err
	}
	for name, ep := range req.NetworkingConfig.EndpointsConfig {
		if ep == nil {
			continue
		}
		if o.Network == "" || o.Network == "default" {
			o.Network = name
		}
		if name == o.Network {
			o.Aliases = ep.Aliases
			if ep.IPAMConfig != nil {
				o.IP = ep.IPAMConfig.IPv4Address
			}
		}
	}
	return o, nil
}

// hostOptions sets o from the HostConfig fields that hostConfigFields
// lists, in the words of berth's flags.
func hostOptions(o *options.CreateOptions, hc *container.HostConfig) error {
	o.Volumes = hc.Binds
	o.Network = string(hc.NetworkMode)
	if o.Network == "default" {
		o.Network = ""
	}
	o.AutoRemove = hc.AutoRemove
	o.VolumesFrom = hc.VolumesFrom
	o.CapAdd, o.CapDrop = hc.CapAdd, hc.CapDrop
	o.CgroupnsMode = string(hc.CgroupnsMode)
	for _, d := range hc.DNS {
		o.DNS = append(o.DNS, d.String())
	}
	o.DNSOptions, o.DNSSearch, o.AddHosts = hc.DNSOptions, hc.DNSSearch, hc.ExtraHosts
	o.GroupAdd, o.OomScoreAdj = hc.GroupAdd, hc.OomScoreAdj
	o.IpcMode, o.PidMode, o.UTSMode = string(hc.IpcMode), string(hc.PidMode), string(hc.UTSMode)
	o.Privileged, o.PublishAll, o.ReadOnly = hc.Privileged, hc.PublishAllPorts, hc.ReadonlyRootfs
	o.SecurityOpt, o.Runtime = hc.SecurityOpt, hc.Runtime
	o.Init = hc.Init != nil && *hc.Init
	for dst, opts := range hc.Tmpfs {
		if opts != "" {
			dst += ":" + opts
		}
		o.Tmpfs = append(o.Tmpfs, dst)
	}
	if hc.ShmSize > 0 {
		o.ShmSize = strconv.FormatInt(hc.ShmSize, 10)
	}
	for k, v := range hc.Sysctls {
		o.Sysctls = append(o.Sysctls, k+"="+v)
	}
	if err := logOptions(o, hc.LogConfig); err != nil {
		return err
	}
	if err := restartOption(o, hc.RestartPolicy); err != nil {
		return err
	}
	for port, bs := range hc.PortBindings {
		for _, b := range bs {
			p := port.String()
			// HostPort "0" is Docker's "any free port", as testcontainers
			// asks for it; berth's -p spells that as an empty host port.
			hostPort := b.HostPort
			if hostPort == "0" {
				hostPort = ""
			}
			if hostPort != "" || b.HostIP.IsValid() {
				p = hostPort + ":" + p
			}
			if b.HostIP.IsValid() {
				p = b.HostIP.String() + ":" + p
			}
			o.Publish = append(o.Publish, p)
		}
	}
	for _, m := range hc.Mounts {
		o.Mounts = append(o.Mounts, mountFlag(m.Type, m.Source, m.Target, m.ReadOnly))
	}
	resourceOptions(o, &hc.Resources)
	return nil
}

func mountFlag[T ~string](typ T, src, dst string, ro bool) string {
	s := "type=" + string(typ) + ",target=" + dst
	if src != "" {
		s += ",source=" + src
	}
	if ro {
		s += ",readonly"
	}
	return s
}

func logOptions(o *options.CreateOptions, lc container.LogConfig) error {
	if lc.Type != "" && lc.Type != "json-file" {
		return router.BadRequest("berth does not support the %s log driver: it keeps json-file logs", lc.Type)
	}
	o.LogMaxSize, o.LogMaxFile = lc.Config["max-size"], lc.Config["max-file"]
	if len(lc.Config) > 0 {
		o.LogOpts = lc.Config
	}
	return nil
}

func restartOption(o *options.CreateOptions, p container.RestartPolicy) error {
	switch name := string(p.Name); name {
	case "", "no":
	case "on-failure":
		o.Restart = name
		if p.MaximumRetryCount > 0 {
			o.Restart += ":" + strconv.Itoa(p.MaximumRetryCount)
		}
	default:
		o.Restart = name
	}
	return nil
}

// resourceOptions sets the limits; zero means unset, as in Docker.
func resourceOptions(o *options.CreateOptions, r *container.Resources) {
	itoa := func(n int64) string {
		if n == 0 {
			return ""
		}
		return strconv.FormatInt(n, 10)
	}
	o.Memory, o.MemorySwap, o.MemoryReservation = itoa(r.Memory), itoa(r.MemorySwap), itoa(r.MemoryReservation)
	if r.NanoCPUs > 0 {
		o.CPUs = strconv.FormatFloat(float64(r.NanoCPUs)/1e9, 'f', -1, 64)
	}
	o.CPUShares, o.CPUPeriod, o.CPUQuota = r.CPUShares, r.CPUPeriod, r.CPUQuota
	o.CpusetCpus, o.CpusetMems = r.CpusetCpus, r.CpusetMems
	o.CPURtPeriod, o.CPURtRuntime = r.CPURealtimePeriod, r.CPURealtimeRuntime
	o.MemorySwappiness = r.MemorySwappiness
	o.OomKillDisable = r.OomKillDisable != nil && *r.OomKillDisable
	o.BlkioWeight = r.BlkioWeight
	if r.PidsLimit != nil {
		o.PidsLimit = *r.PidsLimit
	}
	for _, u := range r.Ulimits {
		o.Ulimits = append(o.Ulimits, fmt.Sprintf("%s=%d:%d", u.Name, u.Soft, u.Hard))
	}
	for _, d := range r.Devices {
		dev := d.PathOnHost
		if d.PathInContainer != "" {
			dev += ":" + d.PathInContainer
		}
		if d.CgroupPermissions != "" {
			dev += ":" + d.CgroupPermissions
		}
		o.Devices = append(o.Devices, dev)
	}
	o.DeviceCgroupRules = r.DeviceCgroupRules
}
