package builder

import (
	"fmt"
	"os"
	"path"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

// sshMount shows the ssh agent socket that --ssh gave under the mount's
// id (default: "default") at its target (default:
// /run/buildkit/ssh_agent.N), as BuildKit does, and points SSH_AUTH_SOCK
// at the first. BuildKit proxies the agent; a bind mount of the socket
// is the same to the step, as the step runs on this host. With no socket
// for the id, a required mount is an error and another is left out.
func (bd *build) sshMount(sm *stepMounts, m *instructions.Mount) error {
	id := m.CacheID
	if id == "" {
		id = "default"
	}
	n := sm.ssh
	sm.ssh++
	sock, ok := bd.opts.SSH[id]
	if !ok {
		if m.Required {
			return fmt.Errorf("RUN --mount=type=ssh,id=%s: no SSH agent socket forwarded for it (give one with --ssh %s=$SSH_AUTH_SOCK)", id, id)
		}
		return nil
	}
	if st, err := os.Stat(sock); err != nil || st.Mode()&os.ModeSocket == 0 {
		return fmt.Errorf("RUN --mount=type=ssh,id=%s: --ssh %s=%s is not a socket", id, id, sock)
	}
	target := m.Target
	if target == "" {
		target = fmt.Sprintf("/run/buildkit/ssh_agent.%d", n)
	}
	target = path.Clean("/" + target)
	sm.mounts = append(sm.mounts, bindSpec(sock, target, false))
	if n == 0 {
		sm.env = append(sm.env, "SSH_AUTH_SOCK="+target)
	}
	return nil
}
