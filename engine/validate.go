package engine

import (
	"fmt"
	"slices"

	"github.com/berth-containers/berth/network/etcfiles"
)

// validateEtcValues checks the flags whose values become words of the
// container's /etc/hosts and resolv.conf, or of a network's names file:
// one with a newline or a blank in it would add records of its own (a
// forged "db" for every container on the network); and -e values, which
// become the process's environment. It returns the options with the
// --dns-search domains in their clean form.
func validateEtcValues(o CreateOptions) (CreateOptions, error) {
	if o.Hostname != "" {
		if err := etcfiles.ValidateHostname(o.Hostname); err != nil {
			return o, err
		}
	}
	if err := validateAliases(o.Aliases); err != nil {
		return o, err
	}
	for _, kv := range o.Env {
		if err := ValidateEnv(kv); err != nil {
			return o, err
		}
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

func validateAliases(aliases []string) error {
	for _, a := range aliases {
		if err := etcfiles.ValidateAlias(a); err != nil {
			return err
		}
	}
	return nil
}
