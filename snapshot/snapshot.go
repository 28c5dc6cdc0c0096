// Package snapshot is the vocabulary of berth's filesystem snapshots: the
// directories that image layers are unpacked into and that containers run on.
//
// A Snapshotter keeps a tree of snapshots, each named by a key chosen by the
// caller and each in one of three kinds:
//
//   - Committed: read-only, immutable, and the only kind that may be a parent.
//     An image layer becomes a committed snapshot named by its chain ID, so
//     images that share a prefix of layers share the snapshots.
//   - Active: writable, created by Prepare on top of an optional committed
//     parent. A container's root filesystem is an active snapshot; so is a
//     layer while it is being unpacked.
//   - View: a read-only window on a committed parent, created by View, never
//     committed.
//
// Snapshots are not mounted by the Snapshotter. Prepare, View and Mounts
// return a list of Mount, the "lingua franca" between the snapshotter and
// whoever needs the filesystem (the unpacker, the runtime): mounting them in
// order on a target gives the snapshot's contents there.
//
// Importing an image, one layer at a time, goes like this. With P the chain
// ID of the layers below (empty for the first layer) and C the chain ID of
// the layer on top of them:
//
//	if _, err := sn.Stat(ctx, C); err == nil {
//		continue // another image or process has unpacked it already
//	}
//	mounts, err := sn.Prepare(ctx, "extract-<random>-"+C, P, nil)
//	// apply the layer's tar into the mounts (for overlay: into the upper dir),
//	// checking that the uncompressed stream hashes to the layer's diff ID
//	err = sn.Commit(ctx, C, "extract-<random>-"+C, nil)
//	// ErrExists: someone else committed C first; Remove the active one
//
// A container then runs on Prepare(ctx, containerID, topChainID, nil), and
// its changes can be committed as a new layer the same way.
//
// Remove refuses a snapshot that still has children (ErrInUse): snapshots
// are removed leaf first, which is what garbage collection does.
package snapshot

import (
	"context"
	"errors"
	"time"
)

// Kind says what a snapshot can be used for.
type Kind int

// The kinds of snapshot; the zero value is not a valid kind.
const (
	KindView Kind = iota + 1
	KindActive
	KindCommitted
)

func (k Kind) String() string {
	switch k {
	case KindView:
		return "view"
	case KindActive:
		return "active"
	case KindCommitted:
		return "committed"
	}
	return "unknown"
}

// Info describes one snapshot.
type Info struct {
	Name    string // the key, or the name given to Commit
	Parent  string // the committed snapshot below, empty for none
	Kind    Kind
	Created time.Time
	Updated time.Time
	Labels  map[string]string
}

// Usage is the disk space a snapshot takes on its own, parents excluded.
type Usage struct {
	Size   int64 // bytes of file data in blocks actually allocated
	Inodes int64
}

// Error kinds returned by snapshotters, wrapped with context. Test them
// with errors.Is.
var (
	ErrNotFound = errors.New("snapshot not found")
	ErrExists   = errors.New("snapshot already exists")
	ErrInUse    = errors.New("snapshot in use")
	// ErrInvalid is an operation on the wrong kind of snapshot, such as
	// committing a view or preparing on an active parent.
	ErrInvalid = errors.New("invalid snapshot operation")
)

// Snapshotter manages snapshots of one kind of filesystem. Implementations
// are safe for concurrent use by many goroutines and many processes sharing
// the same root.
type Snapshotter interface {
	// Stat returns the snapshot named key (ErrNotFound if none).
	Stat(ctx context.Context, key string) (Info, error)
	// Prepare creates an active snapshot key on top of the committed parent
	// (empty for none) and returns the mounts that give its contents.
	Prepare(ctx context.Context, key, parent string, labels map[string]string) ([]Mount, error)
	// View creates a read-only snapshot key of the committed parent.
	View(ctx context.Context, key, parent string, labels map[string]string) ([]Mount, error)
	// Mounts returns again the mounts of an active snapshot or a view.
	Mounts(ctx context.Context, key string) ([]Mount, error)
	// Commit turns the active snapshot key into a committed one named name.
	// The key no longer exists afterwards.
	Commit(ctx context.Context, name, key string, labels map[string]string) error
	// Remove deletes a snapshot and its files. It refuses a snapshot that
	// is the parent of another (ErrInUse).
	Remove(ctx context.Context, key string) error
	// Walk calls fn for every snapshot, stopping at fn's first error.
	Walk(ctx context.Context, fn func(Info) error) error
	// Usage returns the disk space the snapshot itself takes.
	Usage(ctx context.Context, key string) (Usage, error)
	// Close releases the snapshotter's resources; it must not be used after.
	Close() error
}
