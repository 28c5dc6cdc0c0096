package containers

import (
	"time"

	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/engine"
	"github.com/berth-containers/berth/engine/record"
)

// recordWatch reads a container's record only when the metadata database
// may have news. A waiter that read the record every few milliseconds
// would hold the database's shared lock a good part of the time, and the
// writers (the container's monitor recording the start, the exit, the
// removal) wait for it: every run through the API would pay for its own
// waiters. Each commit writes the file, so its size and mtime (stat takes
// no lock) tell when to read. A read now and then whatever the file says
// catches what no commit records (a monitor that died: Refresh sees the
// process gone).
type recordWatch struct {
	e    *engine.Engine
	path string
	last unix.Stat_t
	read time.Time // of the last read
}

// watchEvery is how often the file is stat'ed, and watchFallback how
// often the record is read whatever the file says.
const (
	watchEvery    = 2 * time.Millisecond
	watchFallback = 250 * time.Millisecond
)

func newRecordWatch(e *engine.Engine, root string) *recordWatch {
	return &recordWatch{e: e, path: root + "/metadata.db"}
}

// changed reports whether the database was written since the last call
// that said so (or the fallback time has passed).
func (w *recordWatch) changed() bool {
	var st unix.Stat_t
	if unix.Stat(w.path, &st) != nil {
		return true
	}
	if st.Size != w.last.Size || st.Mtim != w.last.Mtim || st.Ino != w.last.Ino || time.Since(w.read) >= watchFallback {
		w.last = st
		return true
	}
	return false
}

// get reads the record of id.
func (w *recordWatch) get(id string) (*record.Container, error) {
	w.read = time.Now()
	return w.e.Get(id)
}

// wait returns once the record may have changed, false if done was
// closed first.
func (w *recordWatch) wait(done <-chan struct{}) bool {
	for !w.changed() {
		select {
		case <-done:
			return false
		case <-time.After(watchEvery):
		}
	}
	return true
}
