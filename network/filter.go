package network

import (
	"fmt"
	"strings"

	"github.com/berth-containers/berth/internal/filters"
)

// ListFilter parses the filters of `network ls` and GET /networks: name
// (a substring), id (a prefix), driver, label=KEY[=VALUE] and
// type=custom|builtin. As in Docker, a network matches when every key
// matches; within a key one value is enough, but for label, where each
// must hold.
func ListFilter(fs []string) (func(Network) bool, error) {
	args, err := filters.Set{
		Keys: []string{"name", "id", "driver", "label", "type"},
		Check: func(k, v string) error {
			if k == "type" && v != "custom" && v != "builtin" {
				return fmt.Errorf("invalid filter: 'type'='%s'", v)
			}
			return nil
		},
	}.Parse(fs)
	if err != nil {
		return nil, err
	}
	return func(n Network) bool {
		for k, vs := range args {
			if k == "label" {
				for _, v := range vs {
					if !filters.MatchLabel(n.Labels, v) {
						return false
					}
				}
				continue
			}
			ok := false
			for _, v := range vs {
				ok = ok || listMatch(n, k, v)
			}
			if !ok {
				return false
			}
		}
		return true
	}, nil
}

// listMatch is one value of one key of ListFilter.
func listMatch(n Network, k, v string) bool {
	switch k {
	case "name":
		return strings.Contains(n.Name, v)
	case "id":
		return strings.HasPrefix(n.ID, v)
	case "driver":
		return n.Driver == v
	case "type":
		_, predefined := predefinedDrivers[n.Name]
		return (n.Name == DefaultName || predefined) == (v == "builtin")
	}
	return false
}
