package user

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// childEnv carries the JSON of the specs.User a re-run of the test binary
// applies: credentials cannot be taken back, so the test process keeps its.
const childEnv = "BERTH_USER_TEST_CHILD"

func TestMain(m *testing.M) {
	if js := os.Getenv(childEnv); js != "" {
		if err := child(js); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// child applies the user on its locked thread and prints that thread's
// status, then the real uid of every other thread as an "Others" line.
func child(js string) error {
	runtime.LockOSThread()
	var u specs.User
	if err := json.Unmarshal([]byte(js), &u); err != nil {
		return err
	}
	if err := Apply(u); err != nil {
		return err
	}
	b, err := os.ReadFile("/proc/thread-self/status")
	if err != nil {
		return err
	}
	others, err := otherThreadUids()
	if err != nil {
		return err
	}
	_, err = fmt.Printf("%sOthers:\t%s\n", b, others)
	return err
}

// otherThreadUids lists the real uid of every thread but the caller's.
func otherThreadUids() (string, error) {
	self := fmt.Sprint(unix.Gettid())
	tasks, err := filepath.Glob("/proc/self/task/*/status")
	if err != nil {
		return "", err
	}
	var uids []string
	for _, p := range tasks {
		if filepath.Base(filepath.Dir(p)) == self {
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return "", err
		}
		uids = append(uids, strings.Fields(statusField(b, "Uid"))[0])
	}
	return strings.Join(uids, " "), nil
}

func statusField(status []byte, key string) string {
	sc := bufio.NewScanner(bytes.NewReader(status))
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && k == key {
			return strings.Join(strings.Fields(v), " ")
		}
	}
	return ""
}

func TestApply(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: changes uid, gid and groups")
	}
	tests := []struct {
		name             string
		user             specs.User
		uid, gid, groups string
	}{
		{"user with groups", specs.User{UID: 1000, GID: 1001, AdditionalGids: []uint32{10, 44}},
			"1000 1000 1000 1000", "1001 1001 1001 1001", "10 44"},
		{"groups are cleared", specs.User{UID: 65534, GID: 65534}, "65534 65534 65534 65534", "65534 65534 65534 65534", ""},
		{"root", specs.User{UID: 0, GID: 0, AdditionalGids: []uint32{0}}, "0 0 0 0", "0 0 0 0", "0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			js, err := json.Marshal(tt.user)
			if err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(os.Args[0])
			cmd.Env = append(os.Environ(), childEnv+"="+string(js))
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("child: %v: %s", err, stderr.String())
			}
			// Apply must change only the calling thread; the Go
			// runtime's other threads (sysmon at least) stay root.
			if others := statusField(out, "Others"); !strings.Contains(" "+others+" ", " 0 ") {
				t.Errorf("no other thread kept uid 0 (others: %q): Apply changed the whole process", others)
			}
			for _, f := range []struct{ key, want string }{{"Uid", tt.uid}, {"Gid", tt.gid}, {"Groups", tt.groups}} {
				if got := statusField(out, f.key); got != f.want {
					t.Errorf("%s: got %q, want %q", f.key, got, f.want)
				}
			}
		})
	}
}

func TestSetgroupsAllowed(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, body string // body "-" means no file
		want       bool
	}{
		{"allow", "allow\n", true},
		{"deny", "deny\n", false},
		{"missing", "-", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(dir, tt.name)
			if tt.body != "-" {
				if err := os.WriteFile(p, []byte(tt.body), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got, err := setgroupsAllowed(p)
			if err != nil || got != tt.want {
				t.Fatalf("got %v, %v; want %v", got, err, tt.want)
			}
		})
	}
	if ok, err := setgroupsAllowed(setgroupsPath); err != nil || !ok {
		t.Fatalf("host's %s: %v, %v; want allowed", setgroupsPath, ok, err)
	}
}
