package container

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestRemoveState(t *testing.T) {
	root := t.TempDir()
	outside := filepath.Join(filepath.Dir(root), filepath.Base(root)+"-outside")
	if err := os.Mkdir(outside, 0o700); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := os.RemoveAll(outside); err != nil {
			t.Errorf("remove %s: %v", outside, err)
		}
	})
	for _, tc := range []struct {
		name, id string
		make     bool // a state dir left behind
		wantErr  bool
	}{
		{name: "left by a killed create", id: "abc", make: true},
		{name: "already gone", id: "gone"},
		{name: "an ID that leaves the root", id: "../" + filepath.Base(outside), wantErr: true},
		{name: "empty ID", id: "", wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.make {
				if err := os.MkdirAll(filepath.Join(root, tc.id), 0o700); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(root, tc.id, "creating"), nil, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			err := RemoveState(root, tc.id)
			if (err != nil) != tc.wantErr {
				t.Fatalf("RemoveState(%q) = %v, want error %v", tc.id, err, tc.wantErr)
			}
			if !tc.wantErr {
				if _, err := os.Stat(filepath.Join(root, tc.id)); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("state dir still there: %v", err)
				}
			}
		})
	}
	if _, err := os.Stat(outside); err != nil {
		t.Errorf("the directory outside the root went: %v", err)
	}
}
