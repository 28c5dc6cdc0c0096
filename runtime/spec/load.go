package spec

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

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
func Parse(b []byte) (*specs.Spec, error) {
	var s specs.Spec
	if err := json.NewDecoder(bytes.NewReader(b)).Decode(&s); err != nil {
		return nil, fmt.Errorf("%s: %w", ConfigName, describe(b, err))
	}
	return &s, nil
}

// describe rewrites encoding/json's errors so a user can find the mistake:
// the field path for a type error, the line for a syntax error.
func describe(b []byte, err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		field := te.Field
		if field == "" {
			field = "(root)"
		}
		return fmt.Errorf("%s: cannot unmarshal %s into %s", field, te.Value, te.Type)
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line := 1 + bytes.Count(b[:min(int(se.Offset), len(b))], []byte("\n"))
		return fmt.Errorf("line %d: %w", line, err)
	}
	return err
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
