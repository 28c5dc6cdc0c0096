package containers

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strconv"
	"time"

	"github.com/moby/moby/api/types/container"

	"github.com/berth-containers/berth/api/router"
	"github.com/berth-containers/berth/engine"
	"github.com/berth-containers/berth/engine/record"
	"github.com/berth-containers/berth/engine/update"
)

func routesMore(r *router.Router) {
	s := &containersAPI{Router: r}
	s.Handle("GET /containers/{id}/stats", s.containerStats)
	s.Handle("POST /containers/{id}/update", s.updateContainer)
}

// statsScale is the host CPU time one answer says passed: the engine gives
// the CPU % it measured, and the counters are made so that the clients'
// own formula, (cpu delta / system delta) x CPUs x 100, gives it back.
const statsScale = 1e12

// statsResponse is an engine row as Docker's stats JSON.
func statsResponse(row engine.StatsEntry, read time.Time) container.StatsResponse {
	cpus := uint32(runtime.NumCPU())
	st := container.StatsResponse{ID: row.ID, Name: "/" + row.Name, OSType: "linux", Read: read, PreRead: read.Add(-time.Second)}
	if !row.Running {
		return st
	}
	st.CPUStats = container.CPUStats{OnlineCPUs: cpus, SystemUsage: statsScale,
		CPUUsage: container.CPUUsage{TotalUsage: uint64(row.CPUPercent / 100 / float64(cpus) * statsScale)}}
	st.PreCPUStats = container.CPUStats{OnlineCPUs: cpus}
	st.MemoryStats = container.MemoryStats{Usage: row.MemUsage, Limit: row.MemLimit, Stats: map[string]uint64{}}
	st.PidsStats = container.PidsStats{Current: row.Pids}
	st.BlkioStats.IoServiceBytesRecursive = []container.BlkioStatEntry{{Op: "read", Value: row.BlockRead}, {Op: "write", Value: row.BlockWrite}}
	st.Networks = map[string]container.NetworkStats{"eth0": {RxBytes: row.NetRx, TxBytes: row.NetTx}}
	return st
}

// containerStats is one answer with stream=false, else one a second until
// the client goes (or the container stops, as Docker ends the stream).
func (s *containersAPI) containerStats(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	stream := r.URL.Query().Get("stream") == "" || router.BoolQuery(r, "stream")
	oneShot := router.BoolQuery(r, "one-shot")
	return s.WithContainer(id, func(e *engine.Engine, c *record.Container) error {
		o := engine.StatsOptions{Refs: []string{c.ID}, NoStream: !stream}
		if oneShot {
			o.Interval = 2 * time.Millisecond // no wait: one sample, its CPU % not measured
		}
		w.Header().Set("Content-Type", "application/json")
		fw := router.NewFlushWriter(w)
		enc := json.NewEncoder(fw)
		return stream2(w, func() error {
			return e.Stats(r.Context(), o, func(rows []engine.StatsEntry) error {
				for _, row := range rows {
					if err := enc.Encode(statsResponse(row, time.Now())); err != nil {
						return err
					}
					if stream && !row.Running {
						return errStatsEnd
					}
				}
				return nil
			})
		})
	})
}

var errStatsEnd = fmt.Errorf("container stopped")

// stream2 is stream for handlers that write through their own encoder.
func stream2(w http.ResponseWriter, f func() error) error {
	err := router.Stream(w, func(_ io.Writer) error { return f() })
	if err == errStatsEnd {
		return nil
	}
	return err
}

// updateContainer maps Docker's UpdateConfig onto update's flags: a zero
// field is a flag not given, as the CLI sends them.
func (s *containersAPI) updateContainer(w http.ResponseWriter, r *http.Request) error {
	var u container.UpdateConfig
	if err := router.DecodeBody(r, &u); err != nil {
		return err
	}
	var o update.Options
	str := func(v int64) *string { s := strconv.FormatInt(v, 10); return &s }
	if u.Memory != 0 {
		o.Memory = str(u.Memory)
	}
	if u.MemorySwap != 0 {
		o.MemorySwap = str(u.MemorySwap)
	}
	if u.MemoryReservation != 0 {
		o.MemoryReservation = str(u.MemoryReservation)
	}
	if u.NanoCPUs != 0 {
		v := strconv.FormatFloat(float64(u.NanoCPUs)/1e9, 'f', -1, 64)
		o.CPUs = &v
	}
	for _, f := range []struct {
		v   int64
		dst **int64
	}{{u.CPUShares, &o.CPUShares}, {u.CPUPeriod, &o.CPUPeriod}, {u.CPUQuota, &o.CPUQuota}} {
		if f.v != 0 {
			v := f.v
			*f.dst = &v
		}
	}
	if u.CpusetCpus != "" {
		o.CpusetCpus = &u.CpusetCpus
	}
	if u.CpusetMems != "" {
		o.CpusetMems = &u.CpusetMems
	}
	o.PidsLimit = u.PidsLimit
	if u.BlkioWeight != 0 {
		o.BlkioWeight = &u.BlkioWeight
	}
	if u.RestartPolicy.Name != "" {
		v := string(u.RestartPolicy.Name)
		if u.RestartPolicy.MaximumRetryCount > 0 {
			v += ":" + strconv.Itoa(u.RestartPolicy.MaximumRetryCount)
		}
		o.Restart = &v
	}
	id := r.PathValue("id")
	return s.WithContainer(id, func(e *engine.Engine, _ *record.Container) error {
		warnings, err := e.Update(id, o)
		if err != nil {
			return router.BadRequest("Cannot update container %s: %v", id, err)
		}
		if warnings == nil {
			warnings = []string{}
		}
		return router.WriteJSON(w, http.StatusOK, container.UpdateResponse{Warnings: warnings})
	})
}
