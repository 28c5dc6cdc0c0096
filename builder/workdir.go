package builder

import (
	"context"
	"path"

	"github.com/berth-containers/berth/builder/copylayer"
	"github.com/berth-containers/berth/builder/progress"
	"github.com/berth-containers/berth/internal/phases"
)

// workdir makes WORKDIR's directory, as BuildKit does with a mkdir -p of
// its own: when the image lacks it, a layer with the directory (and its
// missing parents, 0755 and root's) replaces the empty history entry that
// the config change made. An existing directory adds no layer.
func (bd *build) workdir(ctx context.Context, st *state, name string) error {
	v := st.begin(name)
	err := bd.workdirLayer(ctx, st, v)
	if err != nil {
		v.Fail(err)
	}
	return err
}

func (bd *build) workdirLayer(ctx context.Context, st *state, v *progress.Vertex) error {
	wd := path.Clean("/" + st.cfg.Config.WorkingDir)
	base, err := bd.stateImage(ctx, st)
	if err != nil {
		return err
	}
	view, release, err := bd.lookImage(ctx, base)
	if err != nil {
		return err
	}
	defer release()
	if wd == "/" || copylayer.IsDir(view, wd) {
		v.Done()
		return nil
	}
	layer := &copylayer.Layer{Entries: []copylayer.Entry{{Target: wd, Info: copylayer.DirInfo(path.Base(wd))}}}
	layer.AddParents(view)
	// The entry meta wrote goes: the step's own, with its layer, follows.
	last := st.cfg.History[len(st.cfg.History)-1]
	st.cfg.History = st.cfg.History[:len(st.cfg.History)-1]
	st.chain("WORKDIR mkdir", wd)
	if hit, err := bd.fromCache(ctx, st); err != nil || hit {
		if hit {
			st.history(last.CreatedBy, false)
			v.Cached()
		}
		return err
	}
	if err := bd.commitLayer(ctx, st, layer, last.CreatedBy, phases.New("build WORKDIR")); err != nil {
		return err
	}
	v.Done()
	return nil
}
