package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/berth-containers/berth/bench/internal/daemons"
)

// psFloor times `docker ps -a` against a server that answers at once
// with the very body berth's service gave for the same list: what the
// docker CLI itself takes (start, the /_ping, decoding and printing the
// rows), the least any server's ps can cost through it.
func psFloor(cfg config, berth *daemons.Daemon, dir string) ([]time.Duration, error) {
	resp, err := berth.Client().Get("http://d/v1.41/containers/json?all=1")
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	sock := filepath.Join(dir, "floor.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		return nil, err
	}
	defer l.Close()
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Api-Version", "1.41")
		if r.URL.Path == "/_ping" {
			w.Write([]byte("OK"))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	})}
	go srv.Serve(l)
	defer srv.Close()
	var out []time.Duration
	for i := range 2 + cfg.psRuns {
		c := exec.Command(daemons.DockerCLI, "-H", "unix://"+sock, "ps", "-a")
		c.Env = append(os.Environ(), "DOCKER_CONFIG="+filepath.Join(dir, "floor-cli"))
		d, err := timed(c)
		if err != nil {
			return nil, fmt.Errorf("docker ps -a against the canned answer: %w", err)
		}
		if i >= 2 {
			out = append(out, d)
		}
	}
	return out, nil
}
