package options

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/berth-containers/berth/engine/record"
	"github.com/berth-containers/berth/network/etcfiles"
)

// ValidateEtcValues checks the flags whose values become words of the
// container's /etc/hosts and resolv.conf, or of a network's names file:
// one with a newline or a blank in it would add records of its own (a
// forged "db" for every container on the network); and -e values, which
// become the process's environment. It returns the options with the
// --dns-search domains in their clean form.
func ValidateEtcValues(o CreateOptions) (CreateOptions, error) {
	if o.Hostname != "" {
		if err := etcfiles.ValidateHostname(o.Hostname); err != nil {
			return o, err
		}
	}
	if err := ValidateAliases(o.Aliases); err != nil {
		return o, err
	}
	for _, kv := range o.Env {
		if err := ValidateEnv(kv); err != nil {
			return o, err
		}
	}
	if err := validateHostValues(o); err != nil {
		return o, err
	}
	o.DNSSearch = slices.Clone(o.DNSSearch)
	for i, d := range o.DNSSearch {
		clean, err := etcfiles.ValidateDNSSearch(d)
		if err != nil {
			return o, fmt.Errorf("invalid argument %q for \"--dns-search\" flag: %w", d, err)
		}
		o.DNSSearch[i] = clean
	}
	for _, opt := range o.DNSOptions {
		if err := etcfiles.ValidateDNSOption(opt); err != nil {
			return o, fmt.Errorf("invalid argument %q for \"--dns-option\" flag: %w", opt, err)
		}
	}
	return o, nil
}

// CheckEtcRecord checks a container's record again before its files are
// written: a record made before these checks, or edited, must not put
// lines of its own into them.
func CheckEtcRecord(c *record.Container) error {
	o := CreateOptions{Hostname: c.Config.Hostname}
	o.DNSSearch, o.DNSOptions = c.HostConfig.DNSSearch, c.HostConfig.DNSOptions
	for _, ep := range c.HostConfig.Networks {
		o.Aliases = append(o.Aliases, ep.Aliases...)
	}
	if _, err := ValidateEtcValues(o); err != nil {
		return fmt.Errorf("container %s: %w", c.Name, err)
	}
	return nil
}

func ValidateAliases(aliases []string) error {
	for _, a := range aliases {
		if err := etcfiles.ValidateAlias(a); err != nil {
			return err
		}
	}
	return nil
}

// validateHostValues checks values that reach a cgroup file or the
// process's working directory, with Docker's wording: --device's mode
// (one each of r, w, m: it becomes a devices.allow line), --cpuset-cpus
// and --cpuset-mems (cpuset files; CheckCpuset, as update checks them)
// and --workdir.
func validateHostValues(o CreateOptions) error {
	for _, d := range o.Devices {
		parts := strings.Split(d, ":")
		if len(parts) > 3 {
			return fmt.Errorf("invalid device specification: %s", d)
		}
		if len(parts) > 1 && parts[1] != "" && !path.IsAbs(parts[1]) {
			return fmt.Errorf("%s is not an absolute path", parts[1])
		}
		if len(parts) == 3 && !validDeviceMode(parts[2]) {
			return fmt.Errorf("bad mode specified: %s", parts[2])
		}
	}
	if err := CheckCpuset(o.CpusetCpus, "/sys/devices/system/cpu/online", "cpus"); err != nil {
		return err
	}
	if err := CheckCpuset(o.CpusetMems, "/sys/devices/system/node/online", "mems"); err != nil {
		return err
	}
	if o.Workdir != "" && !path.IsAbs(o.Workdir) {
		return fmt.Errorf("the working directory '%s' is invalid, it needs to be an absolute path", o.Workdir)
	}
	return nil
}

// validDeviceMode is Docker's: r, w and m, each at most once.
func validDeviceMode(mode string) bool {
	seen := map[rune]bool{}
	for _, c := range mode {
		if !strings.ContainsRune("rwm", c) || seen[c] {
			return false
		}
		seen[c] = true
	}
	return mode != ""
}
