package api_test

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// TestAttachWebsocket: attach/ws carries a container's stdin and output
// as websocket messages; a browser page of another origin is refused; a
// missing container is Docker's 404; the container runs on after the
// client goes.
func TestAttachWebsocket(t *testing.T) {
	s := startService(t)
	s.must(t, "pull", "busybox")
	id := strings.TrimSpace(s.must(t, "run", "-d", "-i", "--name", "wscat", "--network", "none", "busybox", "sh", "-c", "echo ready; cat; echo err >&2"))
	if !waitFor(func() bool { return strings.Contains(s.must(t, "logs", "wscat"), "ready") }) {
		t.Fatal("the container did not start")
	}
	d := websocket.Dialer{NetDialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", s.sock)
	}, HandshakeTimeout: 10 * time.Second}
	url := "ws://berth/v1.41/containers/wscat/attach/ws?stream=1&stdin=1&stdout=1&stderr=1&logs=1"

	if _, resp, err := d.Dial(url, http.Header{"Origin": {"http://evil.example"}}); err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Errorf("attach/ws from another origin: %v %v, want 403", resp, err)
	}
	if _, resp, err := d.Dial("ws://berth/v1.41/containers/nosuch/attach/ws?stream=1", nil); err == nil || resp == nil || resp.StatusCode != http.StatusNotFound {
		t.Errorf("attach/ws of a missing container: %v %v, want 404", resp, err)
	}

	c, _, err := d.Dial(url, nil)
	if err != nil {
		t.Fatalf("attach/ws: %v", err)
	}
	var got strings.Builder
	read := func(want string) {
		t.Helper()
		c.SetReadDeadline(time.Now().Add(20 * time.Second))
		for !strings.Contains(got.String(), want) {
			kind, p, err := c.ReadMessage()
			if err != nil {
				t.Fatalf("read %q from attach/ws: %v (so far %q)", want, err, got.String())
			}
			if kind != websocket.BinaryMessage {
				t.Errorf("message kind %d, want binary", kind)
			}
			got.Write(p)
		}
	}
	read("ready\n") // from the log (logs=1): written before the attach
	if err := c.WriteMessage(websocket.BinaryMessage, []byte("hello over ws\n")); err != nil {
		t.Fatal(err)
	}
	read("hello over ws\n")
	if strings.Contains(got.String(), "\x01\x00\x00\x00") {
		t.Errorf("attach/ws output is multiplexed: %q", got.String())
	}
	c.Close()
	if out := s.must(t, "inspect", "-f", "{{.State.Running}}", id); strings.TrimSpace(out) != "true" {
		t.Errorf("the container after the websocket client went: running=%s", out)
	}
	if status, _, _ := s.call(t, "GET", "/_ping", ""); status != 200 {
		t.Errorf("ping after attach/ws: %d", status)
	}
}
