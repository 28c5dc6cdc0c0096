package testutil

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

const registryBinary = "/usr/bin/docker-registry"

// Registry is Debian's docker-registry on a free 127.0.0.1 port with its
// own storage in a temp dir; it is killed when the test ends.
type Registry struct {
	Addr    string // host:port
	Storage string

	t      testing.TB
	config string
	cmd    *exec.Cmd
	log    *os.File
}

// RegistryOptions choose the registry's authentication; the zero value
// is none.
type RegistryOptions struct {
	User, Password string // basic auth through an htpasswd file when set
	Auth           string // an auth: section of the config (a token server's) when set
}

// StartRegistry starts a registry with no auth and returns its host:port.
func StartRegistry(t testing.TB) string { return NewRegistry(t, RegistryOptions{}).Addr }

// NewRegistry starts a registry with the options' auth.
func NewRegistry(t testing.TB, o RegistryOptions) *Registry {
	t.Helper()
	if _, err := os.Stat(registryBinary); err != nil {
		t.Fatalf("the registry tests need Debian's docker-registry (%s): %v", registryBinary, err)
	}
	dir := t.TempDir()
	r := &Registry{t: t, Addr: FreeAddr(t), Storage: filepath.Join(dir, "storage"), config: filepath.Join(dir, "config.yml")}
	auth := o.Auth
	if o.User != "" {
		hash, err := bcrypt.GenerateFromPassword([]byte(o.Password), bcrypt.MinCost)
		if err != nil {
			t.Fatal(err)
		}
		htpasswd := filepath.Join(dir, "htpasswd")
		if err := os.WriteFile(htpasswd, []byte(o.User+":"+string(hash)+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		auth = fmt.Sprintf("auth:\n  htpasswd:\n    realm: berth-test\n    path: %s\n", htpasswd)
	}
	cfg := fmt.Sprintf("version: 0.1\nlog:\n  level: info\n  accesslog:\n    disabled: false\n"+
		"storage:\n  filesystem:\n    rootdirectory: %s\n  delete:\n    enabled: true\nhttp:\n  addr: %s\n%s",
		r.Storage, r.Addr, auth)
	if err := os.WriteFile(r.config, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	r.Start()
	t.Cleanup(r.Kill)
	return r
}

// Start starts the registry process (again, after Kill) and waits until it
// answers.
func (r *Registry) Start() {
	r.t.Helper()
	log, err := os.OpenFile(filepath.Join(filepath.Dir(r.config), "registry.log"), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		r.t.Fatal(err)
	}
	r.log = log
	r.cmd = exec.Command(registryBinary, "serve", r.config)
	r.cmd.Stdout, r.cmd.Stderr = log, log
	if err := r.cmd.Start(); err != nil {
		r.t.Fatalf("start docker-registry: %v", err)
	}
	if !WaitFor(10*time.Second, func() bool {
		resp, err := http.Get("http://" + r.Addr + "/v2/")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil
	}) {
		r.Kill()
		r.t.Fatalf("docker-registry on %s did not start:\n%s", r.Addr, Tail(log.Name(), 20))
	}
}

// Kill stops the registry at once, as a crash would.
func (r *Registry) Kill() {
	if r.cmd == nil {
		return
	}
	r.cmd.Process.Signal(syscall.SIGKILL)
	r.cmd.Wait()
	r.cmd = nil
	r.log.Close()
}

// FreeAddr is a 127.0.0.1 host:port nothing listens on right now.
func FreeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}
