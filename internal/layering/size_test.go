package layering

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// maxPackageLines is issue 13's bound on one package (one directory's .go
// files, tests included): past it a package holds more than one concept
// and a reader can no longer find things by the folder's name.
const maxPackageLines = 2500

// oversize lists the packages still over the bound, each with the size it
// may not grow past. It only shrinks: a package that grows fails, and one
// that has come under the bound must be taken off the list, so the list
// always says exactly what is left to split.
var oversize = map[string]int{}

// packageLines counts the lines of the .go files of every directory under
// the module root that holds any.
func packageLines(t *testing.T, root string) map[string]int {
	t.Helper()
	sizes := map[string]int{}
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); p != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "vendor") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, filepath.Dir(p))
		if err != nil {
			return err
		}
		sizes[filepath.ToSlash(rel)] += lineCount(data)
		return nil
	})
	if err != nil {
		t.Fatalf("walk %s: %v", root, err)
	}
	return sizes
}

func lineCount(data []byte) int {
	n := 0
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		n++
	}
	return n
}

// sizeProblems compares the measured sizes with the bound and the list.
func sizeProblems(sizes map[string]int, limit int, known map[string]int) []string {
	var bad []string
	for dir, n := range sizes {
		allowed, listed := known[dir]
		switch {
		case listed && n > allowed:
			bad = append(bad, fmt.Sprintf("%s: %d lines, grew past its listed %d; split it instead", dir, n, allowed))
		case listed && n <= limit:
			bad = append(bad, fmt.Sprintf("%s: %d lines, now under %d; take it off the oversize list", dir, n, limit))
		case !listed && n > limit:
			bad = append(bad, fmt.Sprintf("%s: %d lines, over %d; split it into packages of one concept each", dir, n, limit))
		}
	}
	for dir := range known {
		if _, ok := sizes[dir]; !ok {
			bad = append(bad, fmt.Sprintf("%s: listed as oversize but has no Go files; take it off the list", dir))
		}
	}
	sort.Strings(bad)
	return bad
}

func TestPackageSize(t *testing.T) {
	for _, msg := range sizeProblems(packageLines(t, "../.."), maxPackageLines, oversize) {
		t.Error(msg)
	}
}

// TestSizeProblemsCatch shows the size check is not vacuous.
func TestSizeProblemsCatch(t *testing.T) {
	known := map[string]int{"big": 3000, "gone": 3000}
	got := sizeProblems(map[string]int{"big": 3001, "fine": 10, "huge": 2501, "shrunk": 100}, 2500,
		map[string]int{"big": known["big"], "gone": known["gone"], "shrunk": 2600})
	want := []string{"big: 3001 lines, grew", "gone: listed", "huge: 2501 lines, over", "shrunk: 100 lines, now under"}
	if len(got) != len(want) {
		t.Fatalf("got %d problems %q, want %d", len(got), got, len(want))
	}
	for i, w := range want {
		if !strings.HasPrefix(got[i], w) {
			t.Errorf("problem %d = %q, want prefix %q", i, got[i], w)
		}
	}
}
