package main

import (
	"strings"
	"testing"
)

// dockerPaths are the command paths and aliases of Docker's CLI (from its
// --help: "Aliases:" of each command) for the commands berth has. Each must
// reach the same berth command as the first of its row (the same
// constructor: berth builds top-level twins such as `ps` anew).
var dockerPaths = [][]string{
	{"container ls", "container list", "container ps", "ps"},
	{"container rm", "container remove", "rm"},
	{"container inspect"},
	{"container attach", "attach"}, {"container commit", "commit"}, {"container cp", "cp"},
	{"container create", "create"}, {"container diff", "diff"}, {"container exec", "exec"},
	{"container export", "export"}, {"container kill", "kill"}, {"container logs", "logs"},
	{"container pause", "pause"}, {"container port", "port"}, {"container rename", "rename"},
	{"container restart", "restart"}, {"container run", "run"}, {"container start", "start"},
	{"container stats", "stats"}, {"container stop", "stop"}, {"container top", "top"},
	{"container unpause", "unpause"}, {"container update", "update"}, {"container wait", "wait"},
	{"container prune"},
	{"image ls", "image list", "images"},
	{"image rm", "image remove", "rmi"},
	{"image history", "history"}, {"image import", "import"}, {"image load", "load"},
	{"image pull", "pull"}, {"image push", "push"}, {"image save", "save"}, {"image tag", "tag"},
	{"image inspect"}, {"image prune"},
	{"volume ls", "volume list"}, {"volume rm", "volume remove"},
	{"volume create"}, {"volume inspect"}, {"volume prune"},
	{"network ls", "network list"}, {"network rm", "network remove"},
	{"network create"}, {"network inspect"}, {"network prune"}, {"network connect"}, {"network disconnect"},
	{"system info", "info"}, {"system df"}, {"system prune"},
	{"version"}, {"inspect"}, {"login"}, {"logout"},
}

func TestDockerAliases(t *testing.T) {
	root := newRootCommand()
	for _, row := range dockerPaths {
		var want string
		for i, p := range row {
			cmd, rest, err := root.Find(strings.Fields(p))
			if err != nil || len(rest) > 0 || cmd == root {
				t.Errorf("berth %s: not a command (%v)", p, err)
				continue
			}
			if i == 0 {
				want = cmd.Short
				continue
			}
			if cmd.Short != want {
				t.Errorf("berth %s runs %q, want %q as berth %s", p, cmd.Short, want, row[0])
			}
		}
	}
}

// TestQuietLists checks that Docker's -q lists have it.
func TestQuietLists(t *testing.T) {
	root := newRootCommand()
	for _, p := range []string{"ps", "images", "volume ls", "network ls", "container ls", "image ls"} {
		cmd, _, err := root.Find(strings.Fields(p))
		if err != nil || cmd.Flags().ShorthandLookup("q") == nil {
			t.Errorf("berth %s has no -q", p)
		}
	}
}
