package engine_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEtcInjectionRefused: values that become words of /etc/hosts,
// resolv.conf or a network's names file cannot carry a newline (a forged
// "db" record for every container of the network, or lines of the
// container's own files).
func TestEtcInjectionRefused(t *testing.T) {
	e := newEnv(t)
	e.Must("pull", "busybox")
	e.Must("network", "create", "inj")
	forged := "10.0.0.66 db"
	run := []string{"run", "-d", "--network", "inj"}
	e.Refused("invalid network alias", append(run, "--network-alias", "x\n"+forged, "busybox", "sleep", "100")...)
	e.Refused("invalid network alias", append(run, "--network-alias", "x db", "busybox", "sleep", "100")...)
	e.Refused("invalid hostname format", append(run, "--hostname", "h\n"+forged, "busybox", "sleep", "100")...)
	e.Refused("is not a valid domain", append(run, "--dns-search", "example.org\nnameserver 10.0.0.66", "busybox", "true")...)
	e.Refused("invalid DNS option", append(run, "--dns-option", "ndots:1\nnameserver 10.0.0.66", "busybox", "true")...)
	e.Refused("add-host", append(run, "--add-host", "x\n"+forged+":10.0.0.1", "busybox", "true")...)
	e.Refused("invalid environment variable: =bad", "create", "-e", "=bad", "busybox")
	if out := e.Must("ps", "-aq"); strings.TrimSpace(out) != "" {
		t.Errorf("refused runs left containers: %q", out)
	}
	// network connect's --alias goes the same way.
	e.Must("create", "--name", "late", "busybox", "sleep", "100")
	if r := e.Run("network", "connect", "--alias", "x\n"+forged, "inj", "late"); r.ExitCode == 0 || !strings.Contains(r.Stderr, "invalid network alias") {
		t.Errorf("connect with a forged alias: exit %d, %q", r.ExitCode, r.Stderr)
	}
	// The lookup the attack was after: db is nobody's on inj.
	out := e.Run("run", "--rm", "--network", "inj", "busybox", "nslookup", "db")
	if strings.Contains(out.Stdout, "10.0.0.66") {
		t.Errorf("db resolved to the forged address:\n%s", out.Stdout)
	}
}

// TestMountAndSizeFlags: --mount and -v mean what Docker makes of them,
// or are refused.
func TestMountAndSizeFlags(t *testing.T) {
	e := newEnv(t)
	e.Must("pull", "busybox")
	host := t.TempDir()
	bind := "type=bind,src=" + host + ",dst=/m"
	e.Refused("invalid value for readonly: yes", "run", "--rm", "--mount", bind+",readonly=yes", "busybox", "true")
	e.Refused("invalid propagation mode: bogus", "run", "--rm", "--mount", bind+",bind-propagation=bogus", "busybox", "true")
	e.Refused("unexpected key 'colour'", "run", "--rm", "--mount", bind+",colour=red", "busybox", "true")
	e.Refused("invalid volume specification: ':/data'", "run", "--rm", "-v", ":/data", "busybox", "true")
	e.Refused("destination can't be '/'", "run", "--rm", "-v", host+":/", "busybox", "true")
	e.Refused("invalid size", "run", "--rm", "-m", "99999999999999999999", "busybox", "true")
	if out := e.Must("volume", "ls", "-q"); strings.TrimSpace(out) != "" {
		t.Errorf("refused runs made volumes: %q", out)
	}
	for _, ro := range []string{"readonly", "ro=true", "readonly=1"} {
		r := e.Run("run", "--rm", "--mount", bind+","+ro, "busybox", "sh", "-c", "echo x > /m/f")
		if r.ExitCode == 0 || !strings.Contains(r.Stderr, "Read-only file system") {
			t.Errorf("--mount ...,%s: a write got exit %d, %q", ro, r.ExitCode, r.Stderr)
		}
	}
	e.Must("run", "--rm", "--mount", bind+",readonly=false", "busybox", "sh", "-c", "echo x > /m/f")
	if b, _ := os.ReadFile(filepath.Join(host, "f")); string(b) != "x\n" {
		t.Errorf("readonly=false: the write did not reach the host: %q", b)
	}
	// volume-nocopy: the new volume is not filled from the image.
	if out := e.Must("run", "--rm", "--mount", "type=volume,src=nocopy,dst=/etc,volume-nocopy", "busybox", "ls", "/etc"); strings.TrimSpace(out) != "" {
		t.Errorf("volume-nocopy: the volume has %q", out)
	}
	if out := e.Must("run", "--rm", "--mount", "type=volume,src=filled,dst=/etc", "busybox", "ls", "/etc"); !strings.Contains(out, "passwd") {
		t.Errorf("a new volume was not filled from the image: %q", out)
	}
	// An env file line past bufio.Scanner's 64 KiB (created, not run: the
	// runtime's exec records take 4000 bytes a string), and a bad name.
	envFile := filepath.Join(host, "env")
	os.WriteFile(envFile, []byte("LONG="+strings.Repeat("y", 100000)+"\n"), 0o600)
	id := strings.TrimSpace(e.Must("create", "--env-file", envFile, "busybox", "true"))
	if got := e.Inspect(id, `{{range .Config.Env}}{{if eq (printf "%.5s" .) "LONG="}}{{len .}}{{end}}{{end}}`); got != "100005" {
		t.Errorf("long env line: LONG=... is %q bytes, want 100005", got)
	}
	os.WriteFile(envFile, []byte("MY VAR=1\n"), 0o600)
	e.Refused("variable 'MY VAR' contains whitespaces", "run", "--rm", "--env-file", envFile, "busybox", "true")
}

// TestBadImageReferences: references outside the distribution grammar
// never reach a registry URL or a record.
func TestBadImageReferences(t *testing.T) {
	e := newEnv(t)
	e.Must("pull", "busybox")
	for _, ref := range []string{"127.0.0.1:1/../../v2/x", "/busybox", "127.0.0.1:1//a", "a/./b"} {
		for _, args := range [][]string{{"pull", ref}, {"push", ref}, {"tag", "busybox", ref}, {"create", ref}} {
			r := e.Run(args...)
			if r.ExitCode == 0 || !strings.Contains(r.Stderr, "invalid reference format") {
				t.Errorf("berth %q: exit %d, %q", args, r.ExitCode, r.Stderr)
			}
		}
	}
	if out := e.Must("images", "--format", "{{.Repository}}"); strings.Contains(out, "..") || strings.Contains(out, "//") {
		t.Errorf("a bad name was recorded:\n%s", out)
	}
}

// TestInspectIDForms: {{.Id}}, Docker's usual form, works as {{.ID}} does.
func TestInspectIDForms(t *testing.T) {
	e := newEnv(t)
	id := strings.TrimSpace(e.Must("create", "busybox", "true"))
	if got := e.Inspect(id, "{{.Id}}"); got != id {
		t.Errorf("container {{.Id}} = %q, want %q", got, id)
	}
	if got := e.Inspect(id, "{{.ID}} {{.State.Status}}"); got != id+" created" {
		t.Errorf("container {{.ID}}: %q", got)
	}
	img := e.Inspect("busybox", "{{.Id}}")
	if !strings.HasPrefix(img, "sha256:") || img != e.Inspect("busybox", "{{.ID}}") {
		t.Errorf("image {{.Id}} = %q", img)
	}
}
