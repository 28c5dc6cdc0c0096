package netsetup

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/berth-containers/berth/engine/record"
	"github.com/berth-containers/berth/internal/proc"
	"github.com/berth-containers/berth/network"
)

// repairInterval spaces out crash repairs: each costs a database read, a
// link dump and an nft listing, too much for every command.
const repairInterval = 10 * time.Second

// setupGrace is how long a container being started keeps its namespace
// and endpoints before it is recorded as running.
const setupGrace = time.Minute

func (s *Setup) setupMarker(id string) string {
	return filepath.Join(s.RunDir(id), "network-setup")
}

// RepairSoon undoes what killed berth processes left (network.Repair):
// endpoints and namespaces of containers that are gone or no longer run,
// at most once per repairInterval. Errors are only logged: a repair must
// never fail the command that happened to run it.
func (s *Setup) RepairSoon(ctx context.Context) {
	stamp := filepath.Join(s.RunRoot, "network-repair")
	if st, err := os.Stat(stamp); err == nil && time.Since(st.ModTime()) < repairInterval {
		return
	}
	if _, err := os.Stat(s.networks().NetNSDir()); err != nil {
		return // no container ever had a network here
	}
	now := time.Now()
	if f, err := os.OpenFile(stamp, os.O_CREATE|os.O_WRONLY, 0o600); err == nil {
		f.Close()
		if err := os.Chtimes(stamp, now, now); err != nil {
			slog.Debug("network repair: touch the stamp", "path", stamp, "error", err)
		}
	}
	if _, err := s.Repair(ctx); err != nil {
		slog.Warn("network repair", "error", err)
	}
}

// Repair runs network.Repair now, keeping the network of every
// container that runs or is being started.
func (s *Setup) Repair(ctx context.Context) (network.Repaired, error) {
	list, err := s.Records.List()
	if err != nil {
		return network.Repaired{}, err
	}
	// A container is judged when repair meets its leftovers, not when the
	// records were listed: a concurrent `run` may add its record, marker,
	// namespace and endpoints in between.
	live := map[string]bool{}
	started := map[string]time.Time{}
	for _, c := range list {
		c.Refresh()
		if c.Running() || c.State.Status == record.StatusRestarting || proc.Alive(c.State.MonitorPid, c.State.MonitorStart) {
			live[c.ID] = true
		}
		started[c.ID] = c.State.StartedAt
	}
	// Being started: network set-up began lately (its marker is written
	// before the namespace and endpoints) and no start was recorded since;
	// a recorded start hands protection to the checks above.
	exists := func(id string) bool { return live[id] || s.settingUp(id, started[id]) }
	r, err := s.networks().Repair(ctx, exists)
	if !r.Empty() {
		slog.Info("network repair", "endpoints", r.Endpoints, "veths", r.Veths, "ports", r.Ports, "netns", r.NetNS)
	}
	if !r.Empty() || err == nil {
		err = errors.Join(err, s.syncDNS(""))
	}
	return r, err
}

// settingUp says whether container id began network set-up lately and has
// not been recorded as started since.
func (s *Setup) settingUp(id string, startedAt time.Time) bool {
	st, err := os.Stat(s.setupMarker(id))
	return err == nil && time.Since(st.ModTime()) < setupGrace && startedAt.Before(st.ModTime())
}
