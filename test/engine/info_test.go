package engine_test

import (
	"encoding/json"
	"os"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func uname(t *testing.T) (release, machine string) {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		t.Fatal(err)
	}
	return unix.ByteSliceToString(u.Release[:]), unix.ByteSliceToString(u.Machine[:])
}

// TestInfo makes one container of each state and reads the counts, and
// the host facts, back from info's JSON and text.
func TestInfo(t *testing.T) {
	e := newEnv(t)
	e.Must("run", "-d", "--name", "running", "busybox", "sleep", "100")
	e.Must("run", "-d", "--name", "paused", "busybox", "sleep", "100")
	e.Must("pause", "paused")
	e.Must("create", "--name", "created", "busybox", "true")
	e.Must("run", "--name", "exited", "busybox", "true")
	var in struct {
		ID                                                                    string
		Containers, ContainersRunning, ContainersPaused, ContainersStopped    int
		Images, NCPU                                                          int
		MemTotal                                                              int64
		Driver, KernelVersion, Architecture, Name, DockerRootDir, OSType      string
		CgroupDriver, CgroupVersion, DefaultRuntime, ServerVersion, OSVersion string
		Runtimes                                                              map[string]struct{ Path string }
		SecurityOptions                                                       []string
		RegistryConfig                                                        struct{ InsecureRegistryCIDRs []string }
	}
	out := e.Must("info", "--format", "{{json .}}")
	if err := json.Unmarshal([]byte(out), &in); err != nil {
		t.Fatalf("info --format '{{json .}}': %v\n%s", err, out)
	}
	images := len(strings.Fields(e.Must("images", "-q")))
	release, machine := uname(t)
	host, _ := os.Hostname()
	for _, c := range []struct {
		what      string
		got, want any
	}{
		{"Containers", in.Containers, 4}, {"ContainersRunning", in.ContainersRunning, 1},
		{"ContainersPaused", in.ContainersPaused, 1}, {"ContainersStopped", in.ContainersStopped, 2},
		{"Images", in.Images, images}, {"NCPU", in.NCPU, runtime.NumCPU()},
		{"KernelVersion", in.KernelVersion, release}, {"Architecture", in.Architecture, machine},
		{"Name", in.Name, host}, {"DockerRootDir", in.DockerRootDir, e.Root}, {"OSType", in.OSType, "linux"},
		{"Driver", in.Driver, "overlay"}, {"CgroupDriver", in.CgroupDriver, "cgroupfs"},
		{"DefaultRuntime", in.DefaultRuntime, "berth"}, {"Runtimes[berth]", in.Runtimes["berth"].Path, e.Bin},
	} {
		if c.got != c.want {
			t.Errorf("%s: %v, want %v", c.what, c.got, c.want)
		}
	}
	if in.Images != 1 {
		t.Errorf("Images: %d, want 1 (busybox)", in.Images)
	}
	if _, err := os.Stat("/sys/fs/cgroup/cgroup.controllers"); (err == nil) != (in.CgroupVersion == "2") {
		t.Errorf("CgroupVersion %q on this host", in.CgroupVersion)
	}
	if len(in.SecurityOptions) == 0 || in.SecurityOptions[0] != "name=seccomp,profile=builtin" {
		t.Errorf("SecurityOptions %v, want Docker's default seccomp profile first", in.SecurityOptions)
	}
	// ...and it is true: a container runs under a seccomp filter.
	if got := e.Must("run", "--rm", "busybox", "grep", "^Seccomp:", "/proc/self/status"); !strings.Contains(got, "2") {
		t.Errorf("info says profile=builtin, a container's status says %q", got)
	}
	if in.MemTotal <= 0 || in.ServerVersion == "" || len(in.RegistryConfig.InsecureRegistryCIDRs) == 0 {
		t.Errorf("info lacks fields: %+v", in)
	}
	if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`).MatchString(in.ID) {
		t.Errorf("ID %q", in.ID)
	}
	if again := e.inspectInfo("{{.ID}}"); again != in.ID {
		t.Errorf("ID changed between calls: %q then %q", in.ID, again)
	}
	text := e.Must("system", "info")
	for _, want := range []string{"Server:\n Containers: 4\n  Running: 1\n  Paused: 1\n  Stopped: 2\n Images: 1\n",
		" Storage Driver: overlay\n", " Kernel Version: " + release + "\n", " Docker Root Dir: " + e.Root + "\n",
		" Default Runtime: berth\n", " ID: " + in.ID + "\n", " Security Options:\n  seccomp\n   Profile: builtin\n"} {
		if !strings.Contains(text, want) {
			t.Errorf("system info lacks %q:\n%s", want, text)
		}
	}
	e.Must("unpause", "paused")
}

func (e *env) inspectInfo(format string) string {
	e.T.Helper()
	return strings.TrimSpace(e.Must("info", "-f", format))
}

func TestVersion(t *testing.T) {
	e := newEnv(t)
	release, _ := uname(t)
	got := strings.TrimSpace(e.Must("version", "--format",
		"{{.Client.Version}}|{{.Server.Version}}|{{.Client.APIVersion}}|{{.Server.KernelVersion}}|{{.Client.GoVersion}}|{{.Server.Os}}/{{.Server.Arch}}"))
	parts := strings.Split(got, "|")
	if len(parts) != 6 || parts[0] == "" || parts[0] != parts[1] || parts[2] != "1.44" || parts[3] != release ||
		!strings.HasPrefix(parts[4], "go1.") || parts[5] != runtime.GOOS+"/"+runtime.GOARCH {
		t.Errorf("version --format: %q", got)
	}
	var v struct {
		Client struct{ Version, ApiVersion, GitCommit string }
		Server struct {
			Version    string
			Components []struct{ Name, Version string }
		}
	}
	if err := json.Unmarshal([]byte(e.Must("version", "--format", "json")), &v); err != nil {
		t.Fatalf("version --format json: %v", err)
	}
	if v.Client.ApiVersion != "1.44" || v.Server.Version != parts[0] || len(v.Server.Components) == 0 || v.Server.Components[0].Name != "Engine" {
		t.Errorf("version JSON: %+v", v)
	}
	want := "berth version " + parts[0] + ", build " + v.Client.GitCommit + "\n"
	for _, flag := range []string{"--version", "-v"} {
		if got := e.Must(flag); got != want {
			t.Errorf("berth %s: %q, want %q", flag, got, want)
		}
	}
	text := e.Must("version")
	for _, re := range []string{`(?m)^Client:\n Version: +\S+\n API version: +1\.44\n Go version: +go1\.`,
		`(?m)^Server: berth Engine\n Engine:\n  Version: +\S+\n  API version: +1\.44 `,
		`(?m)^  Kernel version: +` + regexp.QuoteMeta(release) + `$`} {
		if !regexp.MustCompile(re).MatchString(text) {
			t.Errorf("version text does not match %s:\n%s", re, text)
		}
	}
}
