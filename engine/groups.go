package engine

// The engine's methods are grouped by what they do: containers as users
// see them stay on *Engine; networking, volumes and the system-wide
// commands are reachable from it (Network, Volumes, System), and its
// internals live on small unexported views of it.

// Network is the engine's network commands.
type Network struct{ e *Engine }

// Network returns the engine's network commands.
func (e *Engine) Network() *Network { return &Network{e} }

// Volumes is the engine's volume commands.
type Volumes struct{ e *Engine }

// Volumes returns the engine's volume commands.
func (e *Engine) Volumes() *Volumes { return &Volumes{e} }

// System is the engine's system-wide commands.
type System struct{ e *Engine }

// System returns the engine's system-wide commands.
func (e *Engine) System() *System { return &System{e} }

// Files is the engine's commands on a container's files: cp, export,
// diff, the writable layer's size and the API's archive stat.
type Files struct{ e *Engine }

// Files returns the engine's commands on container files.
func (e *Engine) Files() *Files { return &Files{e} }

// monitorOps is the engine seen as its containers' monitor.
type monitorOps struct{ *Engine }

// runtimeOps is the engine seen as its link to the runtime (bundles, specs, cgroups).
type runtimeOps struct{ *Engine }

// lifecycleOps is the engine seen as its lifecycle steps.
type lifecycleOps struct{ *Engine }

// createOps is the engine seen as its create steps.
type createOps struct{ *Engine }
