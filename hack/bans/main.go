// Command bans fails when a package writes files other than through
// internal/atomicfile (state, records, config: a reader must never see a
// torn file) or internal/kfile (kernel files): it lists every use of
// os.Create and os.WriteFile in the non-test Go files under the given
// directories. runc and nerdctl ban them the same way. `make lint` runs it.
package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// banned are the functions of package os that write a file in place.
var banned = map[string]bool{"Create": true, "WriteFile": true}

// exempt are the directories whose job is writing files, and test-support
// packages that are not _test.go files.
var exempt = map[string]bool{
	"internal/atomicfile": true,
	"internal/kfile":      true,
	"snapshot/testsuite":  true,
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: bans DIR...")
		os.Exit(2)
	}
	var found []string
	for _, root := range os.Args[1:] {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && exempt[filepath.ToSlash(filepath.Clean(path))] {
				return filepath.SkipDir
			}
			if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return nil
			}
			uses, err := bannedUses(path)
			found = append(found, uses...)
			return err
		})
		if err != nil {
			fmt.Fprintf(os.Stderr, "bans: %v\n", err)
			os.Exit(2)
		}
	}
	for _, f := range found {
		fmt.Fprintln(os.Stderr, f)
	}
	if len(found) > 0 {
		fmt.Fprintf(os.Stderr, "bans: %d banned call(s): write through internal/atomicfile (files berth owns) or internal/kfile (/proc, /sys, cgroup files)\n", len(found))
		os.Exit(1)
	}
}

// bannedUses lists the file's references to os.Create and os.WriteFile,
// under whatever name it imports os.
func bannedUses(path string) ([]string, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	names := map[string]bool{}
	for _, imp := range f.Imports {
		if p, _ := strconv.Unquote(imp.Path.Value); p == "os" {
			name := "os"
			if imp.Name != nil {
				name = imp.Name.Name
			}
			names[name] = true
		}
	}
	var out []string
	ast.Inspect(f, func(n ast.Node) bool {
		sel, ok := n.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		if id, ok := sel.X.(*ast.Ident); ok && names[id.Name] && banned[sel.Sel.Name] {
			out = append(out, fmt.Sprintf("%s: os.%s", fset.Position(sel.Pos()), sel.Sel.Name))
		}
		return true
	})
	return out, nil
}
