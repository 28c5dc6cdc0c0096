package benchenv

import (
	"bytes"
	"os/exec"
	"strings"
)

// HostFirewall lists the host's nftables tables and CNI bridge, so that
// CleanCNI removes only what a podman or buildah run added.
func HostFirewall() map[string]bool {
	have := map[string]bool{}
	out, _ := exec.Command("nft", "list", "tables").Output()
	for _, line := range strings.Split(string(out), "\n") {
		have[strings.TrimSpace(line)] = true
	}
	if exec.Command("ip", "link", "show", "cni-podman0").Run() == nil {
		have["link cni-podman0"] = true
	}
	return have
}

// CleanCNI undoes what CNI's bridge, portmap and firewall plugins leave
// after their last container: the cni-podman0 bridge, the CNI-* iptables
// chains and the jumps to them from the built-in chains, and the iptables
// tables if the run made them. Rules of anyone else are not touched.
func CleanCNI(before map[string]bool) {
	if !before["link cni-podman0"] {
		exec.Command("ip", "link", "del", "cni-podman0").Run()
	}
	for _, table := range []string{"filter", "nat"} {
		out, _ := exec.Command("iptables", "-t", table, "-S").Output()
		var chains []string
		for _, line := range strings.Split(string(out), "\n") {
			f := strings.Fields(line)
			switch {
			case len(f) == 2 && f[0] == "-N" && strings.HasPrefix(f[1], "CNI-"):
				chains = append(chains, f[1])
			case len(f) > 2 && f[0] == "-A" && !strings.HasPrefix(f[1], "CNI-") && strings.Contains(line, "-j CNI-"):
				exec.Command("iptables", append([]string{"-t", table, "-D"}, splitRule(line[3:])...)...).Run()
			}
		}
		for _, c := range chains {
			exec.Command("iptables", "-t", table, "-F", c).Run()
		}
		for _, c := range chains {
			exec.Command("iptables", "-t", table, "-X", c).Run()
		}
	}
	for _, t := range []string{"ip nat", "ip filter", "ip6 nat", "ip6 filter"} {
		if before["table "+t] {
			continue
		}
		out, err := exec.Command("nft", append([]string{"list", "table"}, strings.Fields(t)...)...).Output()
		if err == nil && !bytes.Contains(out, []byte(" jump ")) && !bytes.Contains(out, []byte("counter")) && !bytes.Contains(out, []byte(" accept\n\t\t")) {
			exec.Command("nft", append([]string{"delete", "table"}, strings.Fields(t)...)...).Run()
		}
	}
}

// splitRule splits an iptables -S rule into arguments, keeping quoted
// comments whole.
func splitRule(s string) []string {
	var out []string
	var cur strings.Builder
	quoted := false
	for _, r := range s {
		switch {
		case r == '"':
			quoted = !quoted
		case r == ' ' && !quoted:
			if cur.Len() > 0 {
				out = append(out, cur.String())
				cur.Reset()
			}
		default:
			cur.WriteRune(r)
		}
	}
	if cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out
}
