package spec

import "strings"

// ProcessEnv is the environment a container process gets from its spec's,
// as runc 1.2 and later make it: a variable set more than once keeps its
// last value (at the place of its last setting), and an unset or empty HOME
// becomes home() (from the container's /etc/passwd). Docker and Kubernetes
// append overrides to an image's env, so the last one must win.
func ProcessEnv(env []string, home func() string) []string {
	out := make([]string, 0, len(env)+1)
	seen := make(map[string]bool, len(env))
	homeSet := false
	for i := len(env) - 1; i >= 0; i-- {
		key, val, _ := strings.Cut(env[i], "=")
		if seen[key] {
			continue
		}
		seen[key] = true
		if key == "HOME" {
			if val == "" {
				continue
			}
			homeSet = true
		}
		out = append(out, env[i])
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	if !homeSet {
		out = append(out, "HOME="+home())
	}
	return out
}
