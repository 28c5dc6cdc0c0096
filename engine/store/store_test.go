package store

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/berth-containers/berth/engine/record"
)

func newStore(t *testing.T, recs ...*record.Container) *Store {
	t.Helper()
	s := New(filepath.Join(t.TempDir(), "db", "metadata.db"))
	for _, c := range recs {
		if err := s.Insert(c); err != nil {
			t.Fatalf("insert %s: %v", c.Name, err)
		}
	}
	return s
}

func rec(id, name string, created int64) *record.Container {
	return &record.Container{ID: id, Name: name, Created: time.Unix(created, 0).UTC()}
}

// TestResolve: references resolve as Docker's do, by name ("/" or not),
// full ID or unique ID prefix; a prefix two IDs share, an empty
// reference and a reference to nothing are errors.
func TestResolve(t *testing.T) {
	s := newStore(t, rec("abc123", "web", 1), rec("abd456", "db", 2), rec("f00", "abc", 3))
	for _, tc := range []struct {
		ref, id, err string
		notFound     bool
	}{
		{ref: "web", id: "abc123"},
		{ref: "/web", id: "abc123"},
		{ref: "abd456", id: "abd456"},
		{ref: "abd", id: "abd456"},
		{ref: "abc", id: "f00"}, // a name wins over an ID prefix, as in Docker
		{ref: "ab", err: `multiple containers match "ab"`},
		{ref: "zzz", notFound: true},
		{ref: "/", notFound: true},
	} {
		c, err := s.Get(tc.ref)
		switch {
		case tc.notFound:
			var nf *NotFoundError
			if !errors.Is(err, ErrNotFound) || !errors.As(err, &nf) || nf.Ref != tc.ref {
				t.Errorf("Get(%q): %v; want not found naming it", tc.ref, err)
			}
		case tc.err != "":
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("Get(%q): %v; want %q", tc.ref, err, tc.err)
			}
		case err != nil || c.ID != tc.id:
			t.Errorf("Get(%q): %+v, %v; want %s", tc.ref, c, err, tc.id)
		}
	}
}

// TestMissingDatabase: before the first write there are no containers,
// and reading makes no file.
func TestMissingDatabase(t *testing.T) {
	s := newStore(t)
	if _, err := s.Get("x"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get on no database: %v; want not found", err)
	}
	if list, err := s.List(); err != nil || len(list) != 0 {
		t.Errorf("List on no database: %v, %v", list, err)
	}
}

func TestNames(t *testing.T) {
	s := newStore(t, rec("aaa", "one", 1), rec("bbb", "two", 2))
	if err := s.Insert(rec("ccc", "one", 3)); !errors.Is(err, ErrNameInUse) || !strings.Contains(err.Error(), `"/one"`) {
		t.Errorf("insert of a taken name: %v; want ErrNameInUse naming /one", err)
	}
	if _, err := s.Get("ccc"); !errors.Is(err, ErrNotFound) {
		t.Errorf("a refused insert left a record: %v", err)
	}
	if err := s.Rename("one", "two"); !errors.Is(err, ErrNameInUse) {
		t.Errorf("rename to a taken name: %v", err)
	}
	if err := s.Rename("aaa", "uno"); err != nil {
		t.Fatal(err)
	}
	if c, err := s.Get("uno"); err != nil || c.ID != "aaa" || c.Name != "uno" {
		t.Errorf("after rename: %+v, %v", c, err)
	}
	if _, err := s.Get("one"); !errors.Is(err, ErrNotFound) {
		t.Errorf("the old name still resolves: %v", err)
	}
	if err := s.Remove("bbb"); err != nil {
		t.Fatal(err)
	}
	if err := s.Insert(rec("ddd", "two", 4)); err != nil {
		t.Errorf("remove did not free the name: %v", err)
	}
	if err := s.Remove("bbb"); !errors.Is(err, ErrNotFound) {
		t.Errorf("remove twice: %v", err)
	}
}

func TestModifyAndList(t *testing.T) {
	s := newStore(t, rec("old", "a", 1), rec("new", "b", 3), rec("mid", "c", 2))
	c, err := s.Modify("mid", func(c *record.Container) error { c.State.Status = record.StatusRunning; return nil })
	if err != nil || c.State.Status != record.StatusRunning {
		t.Fatalf("modify: %+v, %v", c, err)
	}
	refused := errors.New("no")
	if _, err := s.Modify("mid", func(c *record.Container) error { c.State.Status = record.StatusDead; return refused }); !errors.Is(err, refused) {
		t.Errorf("modify whose fn fails: %v", err)
	}
	if _, err := s.Modify("nothing", func(*record.Container) error { return nil }); !errors.Is(err, ErrNotFound) {
		t.Errorf("modify of no record: %v", err)
	}
	list, err := s.List()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, c := range list {
		ids = append(ids, c.ID)
	}
	if got := strings.Join(ids, ","); got != "new,mid,old" {
		t.Errorf("list order %s, want newest first", got)
	}
	if list[1].State.Status != record.StatusRunning {
		t.Errorf("a failed modify changed the record: %s", list[1].State.Status)
	}
}

func TestRandomName(t *testing.T) {
	id := "0123456789abcdef0123"
	a, b := RandomName(id), RandomName(id)
	if a != b || !strings.HasSuffix(a, "_0123") || strings.Count(a, "_") != 2 {
		t.Errorf("RandomName(%s) = %q, %q; want adjective_scientist_0123, the same each time", id, a, b)
	}
}
