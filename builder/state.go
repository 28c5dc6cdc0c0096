package builder

import (
	"encoding/json"
	"fmt"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/berth-containers/berth/builder/dockerfile"
	"github.com/berth-containers/berth/builder/progress"
	"github.com/berth-containers/berth/image"
)

// state is a stage as built so far: the last image in the store that holds
// its layers (nil for scratch before a layer), the config and history the
// stage's instructions have made, and the chain of cache keys.
type state struct {
	name   string
	img    *image.Image
	cfg    dockerspec.DockerOCIImage
	layers []ocispec.Descriptor
	key    digest.Digest   // cache key of everything up to here
	args   dockerfile.Vars // ARGs declared in the stage, with their values
	cmdSet bool            // CMD given in this stage: ENTRYPOINT then keeps it
	// now is the time of the stage's last layer (its base's, a cached
	// step's, a new one's): the history and the image take it, so that a
	// rebuild from the cache makes the same image.
	now      time.Time
	b        *build
	metaArgs dockerfile.Vars // the ARGs before FROM, for a stage ARG without a value
	// vnext and vend are the vertex numbers the plan set aside for the
	// stage's steps, the next one and the end.
	vnext, vend int
}

// begin starts the stage's next vertex, with the next number set aside
// for it (or, past those, as ONBUILD triggers are, the next free one).
func (s *state) begin(name string) *progress.Vertex {
	if s.vnext < s.vend {
		s.vnext++
		return s.b.out.BeginAt(s.vnext-1, name)
	}
	return s.b.out.Begin(name)
}

// chain moves the cache key on by one step.
func (s *state) chain(parts ...string) {
	h := digest.SHA256.Digester()
	h.Hash().Write([]byte(s.key))
	for _, p := range parts {
		h.Hash().Write([]byte{0})
		h.Hash().Write([]byte(p))
	}
	s.key = h.Digest()
}

// env is what a RUN sees: the config's environment, with the stage's
// build args where ENV does not set the same name (ENV wins, as Docker).
func (s *state) env() dockerfile.Vars {
	vars := dockerfile.Vars(append([]string{}, s.args...))
	for _, kv := range s.cfg.Config.Env {
		k, v, _ := strings.Cut(kv, "=")
		vars = vars.Set(k, v)
	}
	return vars
}

// runEnv is the environment of a RUN container: ENV plus the build args.
func (s *state) runEnv() []string {
	env := append([]string{}, s.cfg.Config.Env...)
	for _, kv := range s.args {
		k, _, _ := strings.Cut(kv, "=")
		if _, set := dockerfile.Vars(s.cfg.Config.Env).Get(k); !set {
			env = append(env, kv)
		}
	}
	if _, ok := dockerfile.Vars(env).Get("PATH"); !ok {
		env = append(env, "PATH="+defaultPath)
	}
	return env
}

const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

func (s *state) shell() []string {
	if len(s.cfg.Config.Shell) > 0 {
		return s.cfg.Config.Shell
	}
	return []string{"/bin/sh", "-c"}
}

// argv is a RUN, CMD or ENTRYPOINT command as Docker stores it: the shell
// form under the stage's SHELL, the exec (JSON) form as written.
func (s *state) argv(c instructions.ShellDependantCmdLine) []string {
	if c.PrependShell {
		return append(append([]string{}, s.shell()...), strings.Join(c.CmdLine, " "))
	}
	return append([]string{}, c.CmdLine...)
}

// history adds an entry; empty marks a step that made no layer.
func (s *state) history(createdBy string, empty bool) {
	now := s.b.clock(s.now)
	s.cfg.History = append(s.cfg.History, ocispec.History{Created: &now, CreatedBy: createdBy, Comment: "buildkit.dockerfile.v0", EmptyLayer: empty})
}

// meta applies an instruction that changes only the config. It reports
// false for the instructions that are not metadata (RUN, COPY, ADD).
func (s *state) meta(f *dockerfile.File, cmd instructions.Command) (bool, error) {
	c := &s.cfg.Config
	var text string
	switch cmd := cmd.(type) {
	case *instructions.EnvCommand:
		for _, kv := range cmd.Env {
			c.Env = dockerfile.Vars(c.Env).Set(kv.Key, kv.Value)
		}
		text = "ENV " + kvText(cmd.Env)
	case *instructions.LabelCommand:
		if c.Labels == nil {
			c.Labels = map[string]string{}
		}
		for _, kv := range cmd.Labels {
			c.Labels[kv.Key] = kv.Value
		}
		text = "LABEL " + kvText(cmd.Labels)
	case *instructions.MaintainerCommand:
		s.cfg.Author = cmd.Maintainer
		text = "MAINTAINER " + cmd.Maintainer
	case *instructions.WorkdirCommand:
		c.WorkingDir = path.Join("/", c.WorkingDir, cmd.Path)
		if path.IsAbs(cmd.Path) {
			c.WorkingDir = path.Clean(cmd.Path)
		}
		text = "WORKDIR " + c.WorkingDir
	case *instructions.UserCommand:
		c.User = cmd.User
		text = "USER " + cmd.User
	case *instructions.ExposeCommand:
		if err := s.expose(f, cmd.Ports); err != nil {
			return true, err
		}
		text = "EXPOSE map[" + strings.Join(sortedKeys(c.ExposedPorts), ":{} ") + ":{}]"
	case *instructions.VolumeCommand:
		if c.Volumes == nil {
			c.Volumes = map[string]struct{}{}
		}
		for _, v := range cmd.Volumes {
			c.Volumes[v] = struct{}{}
		}
		text = "VOLUME " + jsonText(cmd.Volumes)
	case *instructions.CmdCommand:
		c.Cmd, s.cmdSet = s.argv(cmd.ShellDependantCmdLine), true
		text = "CMD " + jsonText(c.Cmd)
	case *instructions.EntrypointCommand:
		c.Entrypoint = s.argv(cmd.ShellDependantCmdLine)
		if !s.cmdSet {
			c.Cmd = nil // Docker: a new ENTRYPOINT drops an inherited CMD
		}
		text = "ENTRYPOINT " + jsonText(c.Entrypoint)
	case *instructions.ShellCommand:
		c.Shell = append([]string{}, cmd.Shell...)
		text = "SHELL " + jsonText(c.Shell)
	case *instructions.StopSignalCommand:
		c.StopSignal = cmd.Signal
		text = "STOPSIGNAL " + cmd.Signal
	case *instructions.HealthCheckCommand:
		hc := dockerspec.HealthcheckConfig(*cmd.Health)
		c.Healthcheck = &hc
		text = "HEALTHCHECK " + jsonText(hc.Test)
	case *instructions.OnbuildCommand:
		c.OnBuild = append(c.OnBuild, cmd.Expression)
		text = "ONBUILD " + cmd.Expression
	case *instructions.ArgCommand:
		return true, s.arg(f, cmd)
	default:
		return false, nil
	}
	s.history(text, true)
	s.chain(text)
	return true, nil
}

func (s *state) expose(f *dockerfile.File, ports []string) error {
	c := &s.cfg.Config
	if c.ExposedPorts == nil {
		c.ExposedPorts = map[string]struct{}{}
	}
	for _, p := range ports {
		p, err := f.Expand(p, s.env())
		if err != nil {
			return err
		}
		if !strings.Contains(p, "/") {
			p += "/tcp"
		}
		c.ExposedPorts[p] = struct{}{}
	}
	return nil
}

// arg declares build args in the stage: the value given with --build-arg,
// else the default (expanded), else one of the automatic platform args.
func (s *state) arg(f *dockerfile.File, cmd *instructions.ArgCommand) error {
	for _, a := range cmd.Args {
		v, ok := s.given(a.Key)
		if !ok && a.Value != nil {
			v, ok = *a.Value, true
		}
		if !ok {
			v, ok = s.metaArgs.Get(a.Key)
		}
		if !ok {
			v, ok = platformArgs()[a.Key]
		}
		if ok {
			s.args = s.args.Set(a.Key, v)
		}
		s.chain("ARG", a.Key, v)
	}
	return nil
}

// given is a --build-arg value, and marks it used.
func (s *state) given(key string) (string, bool) {
	v, ok := s.b.opts.BuildArgs[key]
	if ok {
		s.b.markUsed(key)
	}
	return v, ok
}

func kvText(kvs instructions.KeyValuePairs) string {
	parts := make([]string, len(kvs))
	for i, kv := range kvs {
		parts[i] = kv.Key + "=" + kv.Value
	}
	return strings.Join(parts, " ")
}

func jsonText(v []string) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

func sortedKeys(m map[string]struct{}) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
