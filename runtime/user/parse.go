package user

import (
	"fmt"
	"slices"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Parse resolves a Docker-style user, "name|uid[:group|gid]", against the
// /etc/passwd and /etc/group of rootfs, as `docker run -u` and `runc exec
// --user` do:
//   - a name must exist in passwd; a uid need not (its gid is then 0);
//   - without a group, the user's passwd gid is used and every group of
//     /etc/group that lists the user becomes a supplementary group;
//   - with a group, that group (by name or gid; a gid need not exist) is the
//     primary group and there are no supplementary groups.
//
// An empty user part means root.
func Parse(rootfs, spec string) (specs.User, error) {
	userArg, groupArg, hasGroup := strings.Cut(spec, ":")
	if userArg == "" {
		userArg = "0"
	}
	if hasGroup && groupArg == "" {
		return specs.User{}, fmt.Errorf("user %q: empty group", spec)
	}
	users, err := readPasswd(rootfs)
	if err != nil {
		return specs.User{}, err
	}
	var out specs.User
	name := ""
	if i := slices.IndexFunc(users, func(u passwdEntry) bool { return u.name == userArg }); i >= 0 {
		out.UID, out.GID, name = users[i].uid, users[i].gid, users[i].name
	} else if uid, ok := parseID(userArg); ok {
		out.UID = uid
		if i := slices.IndexFunc(users, func(u passwdEntry) bool { return u.uid == uid }); i >= 0 {
			out.GID, name = users[i].gid, users[i].name
		}
	} else {
		return specs.User{}, fmt.Errorf("user %q: no such user in %s/etc/passwd", userArg, rootfs)
	}
	if !hasGroup && name == "" {
		return out, nil
	}
	groups, err := readGroup(rootfs)
	if err != nil {
		return specs.User{}, err
	}
	if hasGroup {
		out.GID, err = resolveGroup(groups, groupArg, rootfs)
		return out, err
	}
	for _, g := range groups {
		if slices.Contains(g.members, name) {
			out.AdditionalGids = append(out.AdditionalGids, g.gid)
		}
	}
	return out, nil
}

// resolveGroup finds a group by name first, then by gid; a numeric gid with
// no entry is taken as is.
func resolveGroup(groups []groupEntry, arg, rootfs string) (uint32, error) {
	if i := slices.IndexFunc(groups, func(g groupEntry) bool { return g.name == arg }); i >= 0 {
		return groups[i].gid, nil
	}
	if gid, ok := parseID(arg); ok {
		return gid, nil
	}
	return 0, fmt.Errorf("group %q: no such group in %s/etc/group", arg, rootfs)
}
