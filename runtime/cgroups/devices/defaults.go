// Package devices applies a container's device cgroup rules
// (linux.resources.devices, with runc's defaults after them): on cgroup v1
// by writing devices.allow and devices.deny, on v2 by attaching an eBPF
// filter. Both first evaluate the rules into the state they describe, as
// runc does, so the two layouts take the same rules alike.
package devices

import (
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func ptr[T any](v T) *T { return &v }

// defaultDeviceRules are the devices runc lets every container use, after
// the spec's own rules (so they win over a spec's deny-all): mknod of any
// node, the standard character devices, ptys and tun.
var defaultDeviceRules = []specs.LinuxDeviceCgroup{
	{Allow: true, Type: "c", Access: "m"},
	{Allow: true, Type: "b", Access: "m"},
	{Allow: true, Type: "c", Major: ptr[int64](1), Minor: ptr[int64](3), Access: "rwm"},    // null
	{Allow: true, Type: "c", Major: ptr[int64](1), Minor: ptr[int64](8), Access: "rwm"},    // random
	{Allow: true, Type: "c", Major: ptr[int64](1), Minor: ptr[int64](7), Access: "rwm"},    // full
	{Allow: true, Type: "c", Major: ptr[int64](5), Minor: ptr[int64](0), Access: "rwm"},    // tty
	{Allow: true, Type: "c", Major: ptr[int64](1), Minor: ptr[int64](5), Access: "rwm"},    // zero
	{Allow: true, Type: "c", Major: ptr[int64](1), Minor: ptr[int64](9), Access: "rwm"},    // urandom
	{Allow: true, Type: "c", Major: ptr[int64](136), Access: "rwm"},                        // pts
	{Allow: true, Type: "c", Major: ptr[int64](5), Minor: ptr[int64](2), Access: "rwm"},    // ptmx
	{Allow: true, Type: "c", Major: ptr[int64](10), Minor: ptr[int64](200), Access: "rwm"}, // net/tun
}

// withDefaultDevices appends runc's defaults to the spec's rules.
func withDefaultDevices(rules []specs.LinuxDeviceCgroup) []specs.LinuxDeviceCgroup {
	out := make([]specs.LinuxDeviceCgroup, 0, len(rules)+len(defaultDeviceRules))
	return append(append(out, rules...), defaultDeviceRules...)
}
