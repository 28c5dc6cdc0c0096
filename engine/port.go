package engine

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Ports lists a container's published ports from its record, all of them
// or those of one private port ("80" means 80/tcp), sorted as Docker's.
func (ops *Network) Ports(ref, private string) ([]PortMapping, error) {
	c, err := ops.e.Get(ref)
	if err != nil {
		return nil, err
	}
	want := ""
	if private != "" {
		port, proto, _ := strings.Cut(private, "/")
		if proto == "" {
			proto = "tcp"
		}
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("invalid port %q: use PORT[/PROTO] such as 80/tcp", private)
		}
		want = port + "/" + proto
	}
	var out []PortMapping
	for p, bs := range ops.publishedPorts(c) {
		if want != "" && p != want {
			continue
		}
		for _, b := range bs {
			out = append(out, PortMapping{Private: p, Binding: b})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	if want != "" && len(out) == 0 {
		return nil, fmt.Errorf("no public port '%s' published for %s", want, c.ID[:12])
	}
	return out, nil
}
