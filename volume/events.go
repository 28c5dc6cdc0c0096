package volume

import (
	"path/filepath"

	"github.com/berth-containers/berth/internal/eventlog"
)

// emit logs a volume event as dockerd's LogVolumeEvent: the driver, and
// what attrs add (the container, for mount and unmount).
func (s *Store) emit(action, name string, attrs map[string]string) {
	Emit(filepath.Dir(s.db), action, name, attrs)
}

// Emit logs an event of the local volume name under the data root root;
// the engine calls it when a container mounts or unmounts the volume.
func Emit(root, action, name string, attrs map[string]string) {
	if attrs == nil {
		attrs = map[string]string{}
	}
	attrs["driver"] = "local"
	eventlog.Emit(root, eventlog.Volume, action, name, attrs)
}
