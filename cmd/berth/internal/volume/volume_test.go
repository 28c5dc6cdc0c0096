package volume

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/berth-containers/berth/cmd/berth/internal/cli"
)

// run runs `berth volume args...` against the engine root of g.
func run(t *testing.T, g *cli.Context, args ...string) (string, error) {
	t.Helper()
	root := &cobra.Command{Use: "berth", SilenceUsage: true, SilenceErrors: true}
	AddCommands(root, g)
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs(append([]string{"volume"}, args...))
	err := root.Execute()
	if cerr := g.Close(); cerr != nil {
		t.Errorf("close: %v", cerr)
	}
	return out.String(), err
}

func newContext(t *testing.T) *cli.Context {
	dir := t.TempDir()
	return &cli.Context{Root: dir + "/root", Runroot: dir + "/run", ConfigDir: dir + "/config"}
}

func TestCreateRefused(t *testing.T) {
	g := newContext(t)
	for _, tc := range []struct {
		name  string
		args  []string
		msg   string
		usage bool // a bad option value, exit 125 as Docker's
	}{
		{"driver", []string{"create", "-d", "nfs", "v"}, `volume driver "nfs" is not supported`, true},
		{"opts", []string{"create", "-o", "type=tmpfs", "v"}, "not supported by berth's local driver", true},
		{"two names", []string{"create", "a", "b"}, "", false},
		{"unknown flag", []string{"create", "-x"}, "unknown shorthand flag", false},
		{"bad name", []string{"create", "../x"}, "../x", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := run(t, g, tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("error %v, want one with %q", err, tc.msg)
			}
			if tc.usage && !errors.As(err, &cli.UsageError{}) {
				t.Errorf("%v is no usage error", err)
			}
		})
	}
}

func TestCreateListInspect(t *testing.T) {
	g := newContext(t)
	for _, args := range [][]string{{"create", "--label", "a=b", "--label", "flag", "data"}, {"create", "-d", "local", "cache"}} {
		out, err := run(t, g, args...)
		if err != nil {
			t.Fatal(err)
		}
		if want := args[len(args)-1] + "\n"; out != want {
			t.Errorf("%q printed %q, want %q", args, out, want)
		}
	}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"table", []string{"ls"}, "DRIVER    VOLUME NAME\nlocal     cache\nlocal     data\n"},
		{"quiet", []string{"ls", "-q"}, "cache\ndata\n"},
		{"format", []string{"ls", "--format", "{{.Name}} {{.Scope}}"}, "cache local\ndata local\n"},
		{"filter", []string{"ls", "-q", "--filter", "label=a=b"}, "data\n"},
		{"inspect format", []string{"inspect", "-f", "{{.Name}} {{.Driver}} {{.Labels}}", "data"}, "data local map[a:b flag:]\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := run(t, g, tc.args...)
			if err != nil {
				t.Fatal(err)
			}
			if out != tc.want {
				t.Errorf("got\n%s\nwant\n%s", out, tc.want)
			}
		})
	}
	out, err := run(t, g, "inspect", "data")
	if err != nil {
		t.Fatal(err)
	}
	var vols []struct{ Name, Driver, Mountpoint, Scope string }
	if err := json.Unmarshal([]byte(out), &vols); err != nil {
		t.Fatalf("inspect %q: %v", out, err)
	}
	if len(vols) != 1 || vols[0].Name != "data" || vols[0].Driver != "local" || vols[0].Scope != "local" || !strings.HasPrefix(vols[0].Mountpoint, g.Root) {
		t.Errorf("inspect = %s", out)
	}
}

func TestListRefused(t *testing.T) {
	g := newContext(t)
	if _, err := run(t, g, "ls", "--filter", "colour=red"); !errors.As(err, &cli.UsageError{}) {
		t.Errorf("ls --filter colour=red: %v, want a usage error", err)
	}
	if _, err := run(t, g, "prune", "-f", "--filter", "until=soon"); err == nil || !strings.Contains(err.Error(), "until=soon") ||
		!errors.As(err, &cli.UsageError{}) {
		t.Errorf("prune --filter until=soon: %v, want a usage error", err)
	}
}
