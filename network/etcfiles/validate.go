package etcfiles

import (
	"fmt"
	"regexp"
	"strings"
)

// The values below end up as words of /etc/hosts, /etc/resolv.conf and a
// network's names file, which are line- and space-separated: a newline or
// a blank in one of them would add lines (records) of the caller's choice.
// Each is checked where it enters, with Docker's rules where Docker has
// them, and with "one word of printable ASCII" where it has none.

// label is one RFC 1123 host name label.
const label = `[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?`

var (
	hostnameRE = regexp.MustCompile(`^(` + label + `\.)*` + label + `$`)
	domainRE   = regexp.MustCompile(`^(` + label + `)(\.` + label + `)*\.?$`)
	hasLetter  = regexp.MustCompile(`[a-zA-Z]`)
	// aliasRE is Docker's container-name alphabet, which aliases share
	// with the names they sit beside in the names file and DNS.
	aliasRE = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]*$`)
)

// ValidateHostname checks a --hostname as RFC 1123 (and Docker before the
// check moved out of its CLI) says: dot-separated labels of letters,
// digits and inner dashes, 63 bytes at most (the kernel takes 64).
func ValidateHostname(s string) error {
	if len(s) > 63 || !hostnameRE.MatchString(s) {
		return fmt.Errorf("invalid hostname format: %q (use letters, digits, dashes and dots, at most 63 characters)", s)
	}
	return nil
}

// ValidateDNSSearch checks a --dns-search domain as Docker's
// ValidateDNSSearch does: "." (no search) or a domain with at least one
// letter, shorter than 255 bytes. Surrounding spaces are dropped.
func ValidateDNSSearch(s string) (string, error) {
	t := strings.Trim(s, " ")
	if t == "." {
		return t, nil
	}
	if !hasLetter.MatchString(t) || len(t) >= 255 || !domainRE.MatchString(t) {
		return "", fmt.Errorf("%q is not a valid domain", s)
	}
	return t, nil
}

// ValidateDNSOption checks a --dns-option: one word (ndots:2, rotate,
// edns0) of printable ASCII, as resolv.conf's options line reads it.
func ValidateDNSOption(s string) error {
	if !oneWord(s) {
		return fmt.Errorf("invalid DNS option %q: give one option without spaces or control characters, such as ndots:2", s)
	}
	return nil
}

// ValidateAlias checks a --network-alias (or network connect --alias).
func ValidateAlias(s string) error {
	if len(s) > 255 || !aliasRE.MatchString(s) {
		return fmt.Errorf("invalid network alias %q: only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", s)
	}
	return nil
}

// oneWord reports whether s is non-empty printable ASCII without blanks
// or the comment characters of hosts and resolv.conf.
func oneWord(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f || c == '#' || c == ';' {
			return false
		}
	}
	return true
}
