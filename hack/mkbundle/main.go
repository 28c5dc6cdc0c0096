// mkbundle makes an OCI bundle whose rootfs is the host's static busybox:
// the demo of the README and a quick fixture by hand.
//
//	go run ./hack/mkbundle [-runtime bin/berth-runtime] DIR -- CMD...
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-containers/berth/internal/busyboxfs"
)

func main() {
	runtime := flag.String("runtime", "bin/berth-runtime", "runtime whose `spec` writes the default config.json")
	hostname := flag.String("hostname", "berth-demo", "the container's hostname")
	flag.Parse()
	if flag.NArg() < 1 {
		fmt.Fprintln(os.Stderr, "usage: mkbundle [-runtime PATH] DIR [CMD...]")
		os.Exit(2)
	}
	if err := run(*runtime, *hostname, flag.Arg(0), flag.Args()[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "mkbundle:", err)
		os.Exit(1)
	}
}

func run(runtime, hostname, dir string, args []string) error {
	if err := busyboxfs.Build(filepath.Join(dir, "rootfs"), ""); err != nil {
		return err
	}
	cfg := filepath.Join(dir, "config.json")
	os.Remove(cfg)
	if out, err := exec.Command(runtime, "spec", "-b", dir).CombinedOutput(); err != nil {
		return fmt.Errorf("%s spec: %v: %s", runtime, err, out)
	}
	data, err := os.ReadFile(cfg)
	if err != nil {
		return err
	}
	var s specs.Spec
	if err := json.Unmarshal(data, &s); err != nil {
		return err
	}
	s.Hostname = hostname
	s.Process.Terminal = false
	if len(args) > 0 {
		s.Process.Args = args
	}
	out, err := json.MarshalIndent(&s, "", "\t")
	if err != nil {
		return err
	}
	return os.WriteFile(cfg, out, 0o644)
}
