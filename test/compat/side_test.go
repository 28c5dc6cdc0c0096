package compat_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/berth-containers/berth/test/testutil"
)

// cmdTimeout bounds one command: a hang fails its scenario, not the suite.
const cmdTimeout = 30 * time.Second

// side is one engine under comparison, driven through its CLI.
type side struct {
	name string   // "docker" or "berth"
	bin  string   // the CLI
	args []string // global flags that point it at the test's private engine
	env  []string
	// subnet is the /24 prefix ("10.213.7.") that this side's user
	// networks get in the scenarios; {net} in an argument stands for it.
	subnet string
	// replace maps literal text in this side's output to a placeholder:
	// its temp dirs and data root, which differ between the sides.
	replace [][2]string
	// started is when the side began its current scenario: {since} in
	// an argument; {until} is a second past the moment of the command.
	started time.Time
}

// result is what one command printed and its exit code.
type result struct {
	stdout, stderr string
	code           int
}

// run runs the side's CLI with args (placeholders expanded) and stdin.
func (s *side) run(t testing.TB, tmp, stdin string, args ...string) result {
	t.Helper()
	full := append(append([]string(nil), s.args...), s.expand(args, tmp)...)
	r := testutil.RunCaptured(t, cmdTimeout, func(cmd *exec.Cmd) {
		cmd.Env, cmd.Dir = append(os.Environ(), s.env...), tmp
		if stdin != "" {
			cmd.Stdin = strings.NewReader(stdin)
		}
	}, s.bin, full...)
	return result{stdout: r.Stdout, stderr: r.Stderr, code: r.Code}
}

// must is run that fails the test unless the command exits 0.
func (s *side) must(t testing.TB, tmp string, args ...string) result {
	t.Helper()
	r := s.run(t, tmp, "", args...)
	if r.code != 0 {
		t.Fatalf("%s %s: exit %d: %s", s.name, strings.Join(args, " "), r.code, r.stderr)
	}
	return r
}

// expand replaces {tmp} and {net} in args.
func (s *side) expand(args []string, tmp string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		a = strings.ReplaceAll(a, "{tmp}", tmp)
		a = strings.ReplaceAll(a, "{since}", fmt.Sprintf("%d.%09d", s.started.Unix(), s.started.Nanosecond()))
		a = strings.ReplaceAll(a, "{until}", strconv.FormatInt(time.Now().Unix()+1, 10))
		out[i] = strings.ReplaceAll(a, "{net}", s.subnet)
	}
	return out
}

// startDocker starts a private dockerd (testutil.StartDockerd) and
// returns its side.
func startDocker(t *testing.T) *side {
	t.Helper()
	d := testutil.StartDockerd(t)
	s := &side{
		name:   "docker",
		bin:    testutil.DockerCLI,
		args:   []string{"-H", d.Host()},
		env:    []string{"DOCKER_CONFIG=" + d.Env.Path("cli")},
		subnet: userSubnet(t, 1),
		replace: [][2]string{
			{d.Data, "{root}"},
			{d.BridgePrefix, "{default-net}"},
		},
	}
	t.Cleanup(func() { removeAll(t, s) })
	return s
}

// taken are the user-network prefixes given out: the sides' networks
// exist only while a scenario runs, so routes alone cannot tell.
var taken = map[string]bool{}

// userSubnet is a free /24 prefix for the user networks of one side.
func userSubnet(t *testing.T, salt int) string {
	return testutil.FreePrefix(t, 214, salt, taken)
}

// newBerth is berth with a private root and runroot.
func newBerth(t *testing.T) *side {
	t.Helper()
	bin, err := testutil.BerthBinary()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	root := filepath.Join(dir, "root")
	s := &side{
		name:    "berth",
		bin:     bin,
		args:    []string{"--root", root, "--runroot", filepath.Join(dir, "run")},
		subnet:  userSubnet(t, 2),
		replace: [][2]string{{root, "{root}"}},
	}
	t.Cleanup(func() {
		removeAll(t, s)
		if r := s.run(t, dir, "", "network", "prune", "-f"); r.code != 0 {
			t.Errorf("berth network prune: %s", r.stderr)
		}
	})
	return s
}

// loadBusybox pulls berth's built-in busybox image (made from the host's
// busybox, no network) and loads the same archive into dockerd, so both
// sides run the very same image ID.
func loadBusybox(t *testing.T, b, d *side) {
	t.Helper()
	tmp := t.TempDir()
	b.must(t, tmp, "pull", "-q", "busybox")
	b.must(t, tmp, "save", "-o", filepath.Join(tmp, "busybox.tar"), "busybox")
	d.must(t, tmp, "load", "-q", "-i", filepath.Join(tmp, "busybox.tar"))
	bid := strings.TrimSpace(b.must(t, tmp, "image", "inspect", "-f", "{{.ID}}", "busybox").stdout)
	did := strings.TrimSpace(d.must(t, tmp, "image", "inspect", "-f", "{{.ID}}", "busybox").stdout)
	if bid != did {
		t.Fatalf("busybox image ID: berth %s, docker %s", bid, did)
	}
	// berth's default network exists once a container used it; its
	// subnet is normalised like dockerd's.
	b.must(t, tmp, "run", "--rm", "busybox", "true")
	sub := strings.TrimSpace(b.must(t, tmp, "network", "inspect", "-f", "{{range .IPAM.Config}}{{.Subnet}}{{end}}", "bridge").stdout)
	if i := strings.LastIndexByte(sub, '.'); i > 0 {
		b.replace = append(b.replace, [2]string{sub[:i+1], "{default-net}"})
	}
}

// removeAll force-removes every container, then the volumes, networks
// and images the scenarios made, so one scenario never sees another's.
func removeAll(t testing.TB, s *side) {
	removeMade(t, s, made{containers: true, volumes: true, networks: true, images: true})
}

// made says which kinds of objects beside containers a scenario may have
// made: listing each kind on both sides costs a command each, on a busy
// host a noticeable part of the run.
type made struct{ containers, volumes, networks, images bool }

// madeBy guesses from the scenario's commands what it made.
func madeBy(sc scenario) made {
	var m made
	check := func(args []string) {
		for _, a := range args {
			m.containers = m.containers || a == "run" || a == "create"
			m.volumes = m.volumes || a == "-v" || a == "volume"
			m.networks = m.networks || a == "network"
			m.images = m.images || a == "tag" || a == "commit" || a == "load" || a == "build"
		}
	}
	for _, a := range sc.setup {
		check(a)
	}
	for _, st := range sc.steps {
		check(st.args)
	}
	return m
}

func removeMade(t testing.TB, s *side, m made) {
	t.Helper()
	tmp := os.TempDir()
	list := func(args ...string) []string { return strings.Fields(s.run(t, tmp, "", args...).stdout) }
	if !m.containers {
		// nothing to remove
	} else if ids := list("ps", "-aq"); len(ids) > 0 {
		if r := s.run(t, tmp, "", append([]string{"rm", "-f", "-v"}, ids...)...); r.code != 0 {
			t.Errorf("%s rm -f: %s", s.name, r.stderr)
		}
	}
	if m.volumes {
		if vols := list("volume", "ls", "-q"); len(vols) > 0 {
			s.run(t, tmp, "", append([]string{"volume", "rm", "-f"}, vols...)...)
		}
	}
	if m.networks {
		for _, n := range list("network", "ls", "--format", "{{.Name}}") {
			if strings.HasPrefix(n, "cmp") {
				s.run(t, tmp, "", "network", "rm", n)
			}
		}
	}
	if m.images {
		for _, img := range list("images", "--format", "{{.Repository}}:{{.Tag}}") {
			if strings.HasPrefix(img, "cmp") {
				s.run(t, tmp, "", "rmi", "-f", img)
			}
		}
	}
}
