package user

import "fmt"

// Groups resolves --group-add values (names or gids) against the rootfs's
// /etc/group, as Docker does: a name must exist, a number need not.
func Groups(rootfs string, names []string) ([]uint32, error) {
	if len(names) == 0 {
		return nil, nil
	}
	groups, err := readGroup(rootfs)
	if err != nil {
		return nil, fmt.Errorf("read groups for --group-add: %w", err)
	}
	out := make([]uint32, 0, len(names))
	for _, n := range names {
		gid, err := resolveGroup(groups, n, rootfs)
		if err != nil {
			return nil, fmt.Errorf("unable to find group %s: %w", n, err)
		}
		out = append(out, gid)
	}
	return out, nil
}
