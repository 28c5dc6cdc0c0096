package network_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vishvananda/netlink"

	"github.com/berth-containers/berth/network"
	"github.com/berth-containers/berth/network/netns"
	"github.com/berth-containers/berth/network/portmap"
)

// TestAttachDetachCycles: 50 namespaces attached (with a published port)
// and detached on one network leave no lease, veth, map element or netns.
func TestAttachDetachCycles(t *testing.T) {
	s := newStore(t)
	if _, err := s.Create(network.CreateOptions{Name: "cycles"}); err != nil {
		t.Fatal(err)
	}
	// Other suites make veths at the same time: check this test's own.
	var veths []string
	var worst time.Duration
	var total time.Duration
	const cycles = 50
	for i := range cycles {
		path, err := netns.Create(s.NetNSDir(), fmt.Sprintf("cycle%d", i))
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		ep, err := s.Attach(ctx, path, fmt.Sprintf("cycle%d", i), network.AttachOptions{
			Network: "cycles", Name: fmt.Sprintf("c%d", i), Ports: mustParse(t, "127.0.0.1::80")})
		if err != nil {
			t.Fatal(err)
		}
		veths = append(veths, ep.HostVeth)
		d := time.Since(start)
		total += d
		worst = max(worst, d)
		if err := s.Detach(ctx, ep.ContainerID, "cycles"); err != nil {
			t.Fatal(err)
		}
		if err := netns.Remove(path); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("attach with one published port: mean %v, worst %v over %d", total/cycles, worst, cycles)
	if eps, err := s.Endpoints(""); err != nil || len(eps) > 0 {
		t.Fatalf("leases left: %+v %v", eps, err)
	}
	for _, v := range veths {
		if len(hostLinks(v)) > 0 {
			t.Fatalf("veth %s left", v)
		}
	}
	if el := tableElements(t, s.Options().Table); el != "" {
		t.Fatalf("map elements left:\n%s", el)
	}
	if left, _ := netns.List(s.NetNSDir()); len(left) > 0 {
		t.Fatalf("netns left: %v", left)
	}
}

// The crash helper: a child process (this test binary re-executed) that
// attaches a namespace with a published port, says "ready" and waits to
// be SIGKILLed, as a berth command killed midway.
const envHelper = "BERTH_NETWORK_TEST_HELPER"

type helperArgs struct {
	Opts network.Options
	ID   string
}

func attachAndHang() int {
	var a helperArgs
	if err := json.Unmarshal([]byte(os.Getenv(envHelper)), &a); err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		return 1
	}
	s := network.New(a.Opts)
	path, err := netns.Create(s.NetNSDir(), a.ID)
	if err == nil {
		var ms []portmap.Mapping
		if ms, err = portmap.Parse("127.0.0.1::80"); err == nil {
			_, err = s.Attach(ctx, path, a.ID, network.AttachOptions{Network: "crash", Ports: ms})
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		return 1
	}
	fmt.Println("ready")
	time.Sleep(time.Hour)
	return 0
}

// TestRepair: a SIGKILLed process leaves a lease, a veth, a DNAT element
// and a pinned netns; a stray veth on the bridge has no record at all.
// Repair removes all of it, and keeps what a living container holds.
func TestRepair(t *testing.T) {
	s := newStore(t)
	opts := s.Options()
	n, err := s.Create(network.CreateOptions{Name: "crash"})
	if err != nil {
		t.Fatal(err)
	}
	alive := newCtr(t, s, false)
	aep, err := s.Attach(ctx, alive.netns, alive.id, network.AttachOptions{Network: "crash", Ports: mustParse(t, "127.0.0.1::80")})
	if err != nil {
		t.Fatal(err)
	}

	dead := randHex(64)
	arg, _ := json.Marshal(helperArgs{Opts: opts, ID: dead})
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envHelper+"="+string(arg))
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, _ := bufio.NewReader(stdout).ReadString('\n')
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	if line != "ready\n" {
		t.Fatalf("helper did not attach: %q", line)
	}
	deadEps, _ := s.Endpoints(dead)
	if len(deadEps) != 1 {
		t.Fatalf("killed helper left %d endpoints, want 1", len(deadEps))
	}

	br, err := netlink.LinkByName(n.Bridge)
	if err != nil {
		t.Fatal(err)
	}
	stray := "vb" + randHex(12)
	if err := netlink.LinkAdd(&netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: stray, MasterIndex: br.Attrs().Index}, PeerName: "vp" + randHex(12)}); err != nil {
		t.Fatal(err)
	}

	exists := func(id string) bool { return id == alive.id }
	r, err := s.Repair(ctx, exists)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("repaired: %+v", r)
	if len(r.Endpoints) != 1 || len(r.NetNS) != 1 || len(r.Veths) != 1 || r.Veths[0] != stray {
		t.Fatalf("repair removed %+v; want the dead endpoint, its netns and %s", r, stray)
	}
	if len(hostLinks(deadEps[0].HostVeth)) > 0 || len(hostLinks(stray)) > 0 {
		t.Fatal("veths left after repair")
	}
	if _, err := os.Stat(filepath.Join(s.NetNSDir(), dead)); !os.IsNotExist(err) {
		t.Fatalf("netns of the dead container: %v", err)
	}
	el := tableElements(t, s.Options().Table)
	if strings.Contains(el, deadEps[0].IP.String()) || !strings.Contains(el, aep.IP.String()) {
		t.Fatalf("map elements after repair:\n%s", el)
	}
	if eps, _ := s.Endpoints(""); len(eps) != 1 || eps[0].ContainerID != alive.id {
		t.Fatalf("endpoints after repair: %+v", eps)
	}
	if r, err := s.Repair(ctx, exists); err != nil || !r.Empty() {
		t.Fatalf("second repair: %+v, %v", r, err)
	}
}
