// Package engine is the container half of berth: containers as users see
// them. It keeps their records (names, config, state) in the metadata
// database, builds each one's OCI bundle from an image's config and the
// user's flags, and runs it through the runtime library under a small
// monitor process that outlives the command that started it.
//
// A container's files:
//
//	<root>/containers/<id>/config.json    bundle, written at each start
//	<root>/containers/<id>/hostname, hosts
//	<root>/containers/<id>/<id>-json.log  Docker's json-file log
//	<runroot>/containers/<id>/rootfs      the snapshot, mounted while it runs
//	<runroot>/runtime/<id>/               the runtime library's state
//
// Status is never trusted from the record alone: a recorded pid counts as
// alive only while /proc shows the same process (pid and start time), so a
// SIGKILLed monitor or CLI cannot leave `ps` lying.
//
// What it is made of, each in a package of its own below it, none of
// which imports engine (internal/layering checks it): the shared state of
// every step (engine/core: roots, records, images, runtime handles,
// events) and the typed errors (engine/errdefs); create (engine/create);
// a running container's files (engine/bundle: mounts, config.json,
// removal); its runs and the monitor process (engine/runner); start,
// stop, kill, pause, wait and rm (engine/lifecycle); exec
// (engine/execproc); the container record (engine/record), its store
// (engine/store), create's flags (engine/options), the spec made from a
// record (engine/specgen), the inspect view (engine/inspect), ps's
// filters (engine/containerfilter), update's checks (engine/update),
// commit's layer and image (engine/commit), a container's networking
// (engine/netsetup), healthchecks (engine/health), the monitor's
// supervisor (engine/monitor) and its idle C loop (engine/idlemon), file
// operations in a root (engine/fsops), stats and top (engine/stats), info
// and df (engine/sysinfo), the create lock (engine/dirlock), the attach
// protocol (engine/attach), the json-file log (engine/jsonlog), other OCI
// runtimes' command lines (engine/ociruntime) and --init's reaper
// (engine/initreaper); the DNS responder is network/responder. What stays
// here puts them together: *Engine has the commands on containers, each
// a door to the package that does it; Files(), Network(), Volumes() and
// System() the others (groups.go); attach, logs, ps, rename, inspect,
// commit, cp, stats and the system commands are still written here.
package engine
