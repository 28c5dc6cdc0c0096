// Package passwd resolves the user and group names of COPY and ADD
// --chown in the image being built: its /etc/passwd and /etc/group, read
// from a mounted view of it, as Docker resolves them (a user alone means
// its primary group; a number alone is also the group).
package passwd

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Chown reads --chown=user[:group], names looked up in the image's
// /etc/passwd and /etc/group; a user alone means its primary group.
func Chown(view, spec string) (int, int, error) {
	if spec == "" {
		return 0, 0, nil
	}
	user, group, hasGroup := strings.Cut(spec, ":")
	uid, gid, err := lookup(view, "etc/passwd", user, true)
	if err != nil {
		return 0, 0, fmt.Errorf("--chown=%s: %w", spec, err)
	}
	if hasGroup {
		if gid, _, err = lookup(view, "etc/group", group, false); err != nil {
			return 0, 0, fmt.Errorf("--chown=%s: %w", spec, err)
		}
	} else if _, err := strconv.Atoi(user); err == nil {
		gid = uid // Docker: a numeric user alone is also the group
	}
	return uid, gid, nil
}

// lookup finds name (or a number) in a passwd or group file of the image:
// it returns the ID and, for passwd, the primary group.
func lookup(view, file, name string, passwd bool) (int, int, error) {
	if n, err := strconv.Atoi(name); err == nil {
		return n, 0, nil
	}
	data, err := os.ReadFile(filepath.Join(view, file))
	if err != nil {
		return 0, 0, fmt.Errorf("no /%s in the image to look up %q", file, name)
	}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Split(line, ":")
		if len(f) < 3 || f[0] != name {
			continue
		}
		id, err := strconv.Atoi(f[2])
		if err != nil {
			break
		}
		gid := 0
		if passwd && len(f) > 3 {
			gid, _ = strconv.Atoi(f[3])
		}
		return id, gid, nil
	}
	return 0, 0, fmt.Errorf("unable to find %q in /%s of the image", name, file)
}
