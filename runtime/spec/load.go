package spec

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// ConfigName is the name of the configuration file in a bundle.
const ConfigName = "config.json"

// Load reads bundle/config.json. Its errors are one line, start with
// "config.json:" and, for a value of the wrong type, name the JSON field.
func Load(bundle string) (*specs.Spec, error) {
	b, err := os.ReadFile(filepath.Join(bundle, ConfigName))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ConfigName, err)
	}
	return Parse(b)
}

// Parse decodes a config.json held in memory.
//
// The decoder is encoding/json/v2's (go-json-experiment), not
// encoding/json's: on its first call in a process, encoding/json builds an
// encoder for every type the spec can hold, Windows', VMs' and z/OS' too,
// even to decode. That was 2-3 ms and ~100 page faults of every create.
// decodeOptions keep what encoding/json, and so runc, accepts.
func Parse(b []byte) (*specs.Spec, error) {
	var s specs.Spec
	if err := unmarshal(b, &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// decodeOptions read config.json as encoding/json does: member names match
// fields whatever their case, a repeated member's last value wins, and
// invalid UTF-8 becomes U+FFFD instead of an error.
var decodeOptions = json.JoinOptions(
	json.MatchCaseInsensitiveNames(true),
	jsontext.AllowDuplicateNames(true),
	jsontext.AllowInvalidUTF8(true),
)

func unmarshal(b []byte, v any) error {
	if err := json.Unmarshal(b, v, decodeOptions); err != nil {
		return fmt.Errorf("%s: %w", ConfigName, describe(b, err))
	}
	return nil
}

// describe makes the decoder's errors one line a user can act on: the
// field path and the types for a value of the wrong type, the line for a
// syntax error.
func describe(b []byte, err error) error {
	var se *json.SemanticError
	if errors.As(err, &se) && se.GoType != nil {
		return fmt.Errorf("%s: cannot unmarshal %s into %s", fieldPath(se.JSONPointer), kindName(se.JSONKind), se.GoType)
	}
	var syn *jsontext.SyntacticError
	if errors.As(err, &syn) {
		line := 1 + bytes.Count(b[:min(int(syn.ByteOffset), len(b))], []byte("\n"))
		return fmt.Errorf("line %d: %w", line, syn.Err)
	}
	return err
}

// fieldPath spells a JSON pointer as the field it names:
// /linux/namespaces/0/type is linux.namespaces[0].type.
func fieldPath(p jsontext.Pointer) string {
	var b strings.Builder
	for tok := range p.Tokens() {
		if _, err := strconv.Atoi(tok); err == nil {
			b.WriteString("[" + tok + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(tok)
	}
	if b.Len() == 0 {
		return "(root)"
	}
	return b.String()
}

func kindName(k jsontext.Kind) string {
	switch k {
	case '{':
		return "object"
	case '[':
		return "array"
	case 't', 'f':
		return "bool"
	}
	return k.String()
}

// RootfsPath returns the absolute path of the container's root filesystem,
// root.path taken relative to bundle, with every symlink resolved.
func RootfsPath(s *specs.Spec, bundle string) (string, error) {
	if s.Root == nil || s.Root.Path == "" {
		return "", errors.New("root.path: not set")
	}
	p := s.Root.Path
	if !filepath.IsAbs(p) {
		p = filepath.Join(bundle, p)
	}
	p, err := filepath.Abs(p)
	if err != nil {
		return "", fmt.Errorf("root.path %s: %w", s.Root.Path, err)
	}
	p, err = filepath.EvalSymlinks(p)
	if err != nil {
		return "", fmt.Errorf("root.path: %w", err)
	}
	return p, nil
}
