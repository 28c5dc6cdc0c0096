package build

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadSecrets(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "tok")
	os.WriteFile(file, []byte("from-file"), 0o600)
	t.Setenv("BERTH_TEST_SECRET", "from-env")
	t.Chdir(dir)
	for _, c := range []struct {
		spec, id, want, err string
	}{
		{"id=a,src=" + file, "a", "from-file", ""},
		{"id=a,source=" + file, "a", "from-file", ""},
		{"id=a,env=BERTH_TEST_SECRET", "a", "from-env", ""},
		{"id=BERTH_TEST_SECRET", "BERTH_TEST_SECRET", "from-env", ""},
		{"id=tok", "tok", "from-file", ""}, // no variable: the file named id
		{"id=a,type=env,src=BERTH_TEST_SECRET", "a", "from-env", ""},
		{"src=" + file, "", "", "id is missing"},
		{"id=a,env=BERTH_NOT_SET", "", "", "is not set"},
		{"id=a,src=/nonexistent", "", "", "no such file"},
		{"id=a,bogus=1", "", "", "unexpected key"},
		{"id", "", "", "not key=value"},
	} {
		got, err := readSecrets([]string{c.spec})
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: error %v, want %q", c.spec, err, c.err)
			}
			continue
		}
		if err != nil || string(got[c.id]) != c.want {
			t.Errorf("%q: %q, %v; want %s=%q", c.spec, got, err, c.id, c.want)
		}
	}
}
