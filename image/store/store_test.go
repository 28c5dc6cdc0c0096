package store

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

func rec(name, content string) Record {
	return Record{Name: name, Target: ocispec.Descriptor{MediaType: ocispec.MediaTypeImageManifest, Digest: digest.FromString(content), Size: 1}}
}

func keys(t *testing.T, s *Store) []string {
	t.Helper()
	recs, err := s.List()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range recs {
		out = append(out, Key(r))
	}
	return out
}

func TestPutDangling(t *testing.T) {
	a, b := digest.FromString("a"), digest.FromString("b")
	tests := []struct {
		name string
		puts []Record
		want []string
	}{
		{"one", []Record{rec("x:1", "a")}, []string{"x:1"}},
		{"retag leaves dangling", []Record{rec("x:1", "a"), rec("x:1", "b")}, []string{"x:1", "<none>@" + a.String()}},
		{"retag with other name", []Record{rec("x:1", "a"), rec("y:1", "a"), rec("x:1", "b")}, []string{"x:1", "y:1"}},
		{"naming a dangling image", []Record{rec("", "b"), rec("x:1", "b")}, []string{"x:1"}},
		{"nameless copy of named", []Record{rec("x:1", "b"), rec("", "b")}, []string{"x:1"}},
		{"same target twice", []Record{rec("x:1", "b"), rec("x:1", "b")}, []string{"x:1"}},
	}
	_ = b
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New(filepath.Join(t.TempDir(), "metadata.db"))
			for _, r := range tt.puts {
				if err := s.Put(r); err != nil {
					t.Fatal(err)
				}
			}
			got := keys(t, s)
			if len(got) != len(tt.want) {
				t.Fatalf("keys = %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("keys = %v, want %v", got, tt.want)
				}
			}
		})
	}
}

func TestDelete(t *testing.T) {
	s := New(filepath.Join(t.TempDir(), "metadata.db"))
	if err := s.Put(rec("x:1", "a")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Delete("x:1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get("x:1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get after Delete: %v", err)
	}
	if _, err := s.Delete("x:1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second Delete: %v", err)
	}
}
