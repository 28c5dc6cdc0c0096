package api_test

import (
	"bufio"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/berth-containers/berth/test/testutil"
)

// hangUp sends one request on a connection of its own, reads the answer's
// first bytes (the stream has begun) and closes the connection.
func (s *service) hangUp(t *testing.T, method, path, extra string) {
	t.Helper()
	c, err := net.Dial("unix", s.sock)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	req := method + " " + path + " HTTP/1.1\r\nHost: berth\r\n" + extra
	if method == "POST" {
		req += "Content-Length: 0\r\n"
	}
	if _, err := c.Write([]byte(req + "\r\n")); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(30 * time.Second))
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("%s %s: status %d", method, path, resp.StatusCode)
	}
	// Something of the stream itself, where it sends at once.
	if !strings.Contains(path, "/events") {
		buf := make([]byte, 64)
		br.Read(buf)
	}
}

// ping is one request on a connection that is closed after it (the test
// client's keep-alive pool would hold fds of the service open).
func (s *service) ping(t *testing.T) {
	t.Helper()
	c := s.http()
	c.Transport.(*http.Transport).DisableKeepAlives = true
	resp, err := c.Get("http://berth/_ping")
	if err != nil {
		t.Fatalf("ping: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("ping: status %d", resp.StatusCode)
	}
}

// TestDisconnectMidStream: clients that hang up in the middle of logs
// --follow, attach, events, a stats stream and a pull leave the service
// serving, holding no more fds than before, and no half-pulled image.
func TestDisconnectMidStream(t *testing.T) {
	s := startService(t)
	s.must(t, "pull", "busybox")
	reg := testutil.StartRegistry(t)
	ref := reg + "/disc/busybox:v1"
	s.berth("tag", "busybox", ref)
	if out := s.berth("push", ref); !strings.Contains(out, "sha256:") {
		t.Fatalf("berth push %s: %s", ref, out)
	}
	s.must(t, "run", "-d", "--name", "ticker", "--network", "none", "busybox", "sh", "-c", "while true; do echo tick; sleep 0.1; done")
	s.ping(t)
	base := s.fdCount(t)
	streams := []struct{ method, path, extra string }{
		{"GET", "/v1.41/containers/ticker/logs?follow=1&stdout=1&stderr=1", ""},
		{"POST", "/v1.41/containers/ticker/attach?stream=1&stdout=1&stderr=1", "Connection: Upgrade\r\nUpgrade: tcp\r\n"},
		{"GET", "/v1.41/events", ""},
		{"GET", "/v1.41/containers/ticker/stats?stream=1", ""},
	}
	for round := 0; round < 3; round++ {
		for _, st := range streams {
			s.hangUp(t, st.method, st.path, st.extra)
		}
		s.berth("rmi", ref)
		s.hangUp(t, "POST", "/v1.41/images/create?fromImage="+reg+"/disc/busybox&tag=v1", "")
		s.ping(t)
	}
	if n := s.settledFds(t, base); n > base {
		t.Errorf("the service holds %d fds after the hang-ups, %d before: %v", n, base, s.fdLinks())
	}
	// The pull was either done before the client went, and whole, or
	// left nothing: no partial blob; pulling again works.
	if strings.Contains(s.must(t, "images", "--format", "{{.Repository}}:{{.Tag}}"), ref) {
		if got := s.must(t, "run", "--rm", "--network", "none", ref, "echo", "whole"); got != "whole\n" {
			t.Errorf("run of the image pulled by a client that hung up: %q", got)
		}
	}
	waitFor(func() bool { return len(partialBlobs(t, s.root)) == 0 })
	if left := partialBlobs(t, s.root); len(left) > 0 {
		t.Errorf("partial blobs after the hung-up pulls: %v", left)
	}
	s.must(t, "pull", ref)
	if got := s.must(t, "run", "--rm", "--network", "none", ref, "echo", "pulled"); got != "pulled\n" {
		t.Errorf("run after pulling again: %q", got)
	}
	if out := s.must(t, "logs", "--tail", "1", "ticker"); !strings.Contains(out, "tick") {
		t.Errorf("logs of the ticker after the hang-ups: %q", out)
	}
}

// fdLinks are the service's open fds and what each is.
func (s *service) fdLinks() []string {
	dir := filepath.Join("/proc", strconv.Itoa(s.cmd.Process.Pid), "fd")
	entries, _ := os.ReadDir(dir)
	var links []string
	for _, e := range entries {
		l, _ := os.Readlink(filepath.Join(dir, e.Name()))
		links = append(links, e.Name()+"->"+l)
	}
	return links
}

// partialBlobs lists blobs being written in the content store's ingest dir.
func partialBlobs(t *testing.T, root string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(root, "ingest", "*.data"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}
