package core

import (
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// KeepSpec remembers s as the spec just written into id's config.json,
// for this process's runtime create.
func (c *Core) KeepSpec(id string, s *specs.Spec) { c.written.Store(id, s) }

// TakeSpec is the spec this process last wrote into id's config.json, or
// nil: berth's runtime library, run in-process, takes it instead of
// decoding config.json again (container.CreateOptions.Spec). Taken once:
// the next create of the container (a restart by its monitor) reads the
// file.
func (c *Core) TakeSpec(id string) *specs.Spec {
	if s, ok := c.written.LoadAndDelete(id); ok {
		return s.(*specs.Spec)
	}
	return nil
}
