// Package build is `berth build` (also `berth image build`) and `berth builder`.
package build

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/berth-containers/berth/builder"
	"github.com/berth-containers/berth/builder/buildctx"
	"github.com/berth-containers/berth/builder/dockerfile"
	"github.com/berth-containers/berth/builder/export"
	bprogress "github.com/berth-containers/berth/builder/progress"
	"github.com/berth-containers/berth/cmd/berth/internal/cli"
	"github.com/berth-containers/berth/image"
	"github.com/berth-containers/berth/image/progress"
	"github.com/berth-containers/berth/internal/atomicfile"
)

type buildFlags struct {
	tags, buildArgs, labels    []string
	secrets, ssh               []string
	file, target, iidfile, net string
	progress, platform, output string
	noCache, quiet, pull       bool
}

func NewBuildCommand(g *cli.Context) *cobra.Command {
	var f buildFlags
	cmd := &cobra.Command{
		Use:   "build [OPTIONS] PATH | -",
		Short: "Build an image from a Dockerfile",
		Long: `Build an image from a Dockerfile and a context: a directory, a tar of one on
stdin (-), or a Dockerfile alone on stdin. Each RUN runs in a container of
berth's own engine and is committed as a layer; COPY and ADD write a layer of
files from the context; each layer step is cached. .dockerignore (or
<Dockerfile>.dockerignore beside a named Dockerfile) leaves files out.
Stages that do not need each other build at the same time, at most
$BERTH_BUILD_PARALLELISM of them (default: the CPUs, at least 2).`,
		Example: `  berth build -t web:1 .
  berth build -f build/Dockerfile.dev --build-arg VERSION=2 --target test .
  berth build -t ctx:1 - < context.tar`,
		Args: cli.Args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error { return runBuild(cmd, g, &f, a[0]) },
	}
	fl := cmd.Flags()
	fl.StringArrayVarP(&f.tags, "tag", "t", nil, `name and optionally a tag in the "name:tag" format`)
	fl.StringVarP(&f.file, "file", "f", "", `name of the Dockerfile (default: "PATH/Dockerfile"; - for stdin)`)
	fl.StringArrayVar(&f.buildArgs, "build-arg", nil, "set build-time variables (NAME=value, or NAME to take it from the environment)")
	fl.StringArrayVar(&f.labels, "label", nil, "set metadata for an image")
	fl.StringVar(&f.target, "target", "", "set the target build stage to build")
	fl.BoolVar(&f.noCache, "no-cache", false, "do not use cache when building the image")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "suppress the build output and print image ID on success")
	fl.StringVar(&f.iidfile, "iidfile", "", "write the image ID to the file")
	fl.StringVar(&f.net, "network", "default", "set the networking mode for the RUN instructions during build (default, none, host)")
	fl.StringVar(&f.progress, "progress", progressDefault(), "set type of progress output (auto, plain, tty); default $BUILDKIT_PROGRESS or auto")
	fl.BoolVar(&f.pull, "pull", false, "always attempt to pull a newer version of the image")
	fl.StringVar(&f.platform, "platform", "", "set target platform for build (the host's only)")
	fl.StringArrayVar(&f.secrets, "secret", nil, `secret to expose to the build: "id=mysecret[,src=/local/secret]" or "id=TOKEN,env=TOKEN"`)
	fl.StringArrayVar(&f.ssh, "ssh", nil, `SSH agent socket to expose to the build: "default|<id>[=<socket>]" (default: $SSH_AUTH_SOCK)`)
	fl.StringVarP(&f.output, "output", "o", "", `output destination: "type=local,dest=DIR", "type=tar,dest=FILE", "type=oci,dest=FILE" or DIR`)
	return cmd
}

func runBuild(cmd *cobra.Command, g *cli.Context, f *buildFlags, ctxPath string) error {
	switch f.progress {
	case "auto", "plain", "tty":
	default:
		return fmt.Errorf("invalid --progress %q: use auto, plain or tty", f.progress)
	}
	if ctxPath == "-" && f.file == "-" {
		return errors.New("invalid argument: can't use stdin for both build context and dockerfile")
	}
	var err error
	o := builder.Options{Tags: f.tags, Target: f.target, NoCache: f.noCache, Pull: f.pull,
		Network: f.net, Platform: f.platform, BuildArgs: map[string]string{}, Labels: map[string]string{}}
	for _, t := range f.tags {
		if _, err := image.Normalize(t); err != nil {
			return fmt.Errorf("invalid argument %q for \"-t, --tag\" flag: %w", t, err)
		}
	}
	for _, a := range f.buildArgs {
		k, v, ok := strings.Cut(a, "=")
		if !ok {
			if v, ok = os.LookupEnv(k); !ok {
				continue // Docker: an unset variable is no build arg
			}
		}
		o.BuildArgs[k] = v
	}
	if v, ok := os.LookupEnv("SOURCE_DATE_EPOCH"); ok && v != "" {
		sec, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return fmt.Errorf("invalid SOURCE_DATE_EPOCH %q: want seconds since 1970", v)
		}
		t := time.Unix(sec, 0).UTC()
		o.Epoch = &t
	}
	if v := os.Getenv("BERTH_BUILD_PARALLELISM"); v != "" {
		if o.Parallelism, err = strconv.Atoi(v); err != nil || o.Parallelism < 1 {
			return fmt.Errorf("invalid BERTH_BUILD_PARALLELISM %q: want a number of stages, 1 or more", v)
		}
	}
	if f.output != "" {
		if o.Output, err = export.Parse(f.output); err != nil {
			return err
		}
		o.Output.Stdout = cmd.OutOrStdout()
	}
	if o.Secrets, err = readSecrets(f.secrets); err != nil {
		return err
	}
	if o.SSH, err = sshSockets(f.ssh); err != nil {
		return err
	}
	for _, l := range f.labels {
		k, v, _ := strings.Cut(l, "=")
		o.Labels[k] = v
	}
	bctx, data, name, cleanup, err := openContext(g, ctxPath, f.file, cmd.InOrStdin())
	if err != nil {
		return err
	}
	defer cleanup()
	o.Context = bctx
	if o.File, err = dockerfile.Parse(data, name); err != nil {
		return err
	}
	if !f.quiet {
		o.Progress = cmd.ErrOrStderr()
		if tty, w, h := terminal(cmd.ErrOrStderr(), f.progress); tty {
			o.Printer = bprogress.NewTTY(o.Progress, w, h)
			defer o.Printer.Close()
		}
	}
	b, err := g.Builder()
	if err != nil {
		return err
	}
	id, err := b.Build(cmd.Context(), o)
	if o.Printer != nil {
		o.Printer.Close() // the final screen, before the error or the ID
	}
	if err != nil {
		return err
	}
	if f.iidfile != "" {
		if err := atomicfile.WriteFile(f.iidfile, []byte(id.String()), 0o644); err != nil {
			return fmt.Errorf("write the image ID to %s: %w", f.iidfile, err)
		}
	}
	if f.quiet {
		fmt.Fprintln(cmd.OutOrStdout(), id)
	}
	return nil
}

// openContext finds the context and the Dockerfile: PATH with
// PATH/Dockerfile or -f, a tar on stdin (-f then names a file in it), or a
// Dockerfile alone on stdin.
func openContext(g *cli.Context, ctxPath, file string, stdin io.Reader) (*buildctx.Context, []byte, string, func(), error) {
	cleanup := func() {}
	dir := ctxPath
	var data []byte
	if ctxPath == "-" {
		tmp := filepath.Join(g.Root, "builder")
		if err := os.MkdirAll(tmp, 0o700); err != nil {
			return nil, nil, "", nil, fmt.Errorf("build context from stdin: %w", err)
		}
		var err error
		if dir, data, err = buildctx.FromStdin(stdin, tmp); err != nil {
			return nil, nil, "", nil, err
		}
		cleanup = func() { os.RemoveAll(dir) }
	}
	name, path := "Dockerfile", ""
	switch {
	case data != nil:
	case file == "-":
		var err error
		if data, err = io.ReadAll(stdin); err != nil {
			cleanup()
			return nil, nil, "", nil, fmt.Errorf("read the Dockerfile from stdin: %w", err)
		}
	default:
		path = filepath.Join(dir, "Dockerfile")
		if file != "" {
			name, path = file, file
			if ctxPath == "-" || !filepath.IsAbs(file) && !exists(file) {
				path = filepath.Join(dir, file)
			}
		}
		var err error
		if data, err = os.ReadFile(path); err != nil {
			cleanup()
			return nil, nil, "", nil, fmt.Errorf("unable to prepare context: unable to evaluate the Dockerfile: %w", err)
		}
	}
	bctx, err := buildctx.Open(dir, path)
	if err != nil {
		cleanup()
		return nil, nil, "", nil, err
	}
	bctx.Ephemeral = ctxPath == "-"
	return bctx, data, name, cleanup, nil
}

// readSecrets reads --secret as buildx does: id=ID with src= (or
// source=) a file, or env= a variable; with neither, the variable named ID
// if set, else a file named ID.
func readSecrets(specs []string) (map[string][]byte, error) {
	out := map[string][]byte{}
	for _, spec := range specs {
		var id, src, env, typ string
		for _, f := range strings.Split(spec, ",") {
			k, v, ok := strings.Cut(f, "=")
			if !ok {
				return nil, fmt.Errorf("invalid --secret %q: %q is not key=value", spec, f)
			}
			switch strings.ToLower(k) {
			case "id":
				id = v
			case "src", "source":
				src = v
			case "env":
				env = v
			case "type":
				typ = v
			default:
				return nil, fmt.Errorf("invalid --secret %q: unexpected key %q", spec, k)
			}
		}
		if id == "" {
			return nil, fmt.Errorf("invalid --secret %q: id is missing", spec)
		}
		if typ == "env" && env == "" {
			env = src
			src = ""
		}
		if src == "" && env == "" {
			if _, ok := os.LookupEnv(id); ok && typ != "file" {
				env = id
			} else {
				src = id
			}
		}
		if env != "" {
			v, ok := os.LookupEnv(env)
			if !ok {
				return nil, fmt.Errorf("--secret %s: environment variable %s is not set", id, env)
			}
			out[id] = []byte(v)
			continue
		}
		data, err := os.ReadFile(src)
		if err != nil {
			return nil, fmt.Errorf("--secret %s: %w", id, err)
		}
		out[id] = data
	}
	return out, nil
}

// progressDefault is buildx's: $BUILDKIT_PROGRESS, else auto.
func progressDefault() string {
	if v := os.Getenv("BUILDKIT_PROGRESS"); v != "" {
		return v
	}
	return "auto"
}

// sshSockets reads --ssh as buildx does, agent sockets only: ID=SOCKET,
// or ID alone for $SSH_AUTH_SOCK. Key files would need an agent of
// berth's own.
func sshSockets(specs []string) (map[string]string, error) {
	out := map[string]string{}
	for _, spec := range specs {
		id, sock, ok := strings.Cut(spec, "=")
		if id == "" {
			return nil, fmt.Errorf("invalid --ssh %q: the id is missing", spec)
		}
		if !ok {
			if sock = os.Getenv("SSH_AUTH_SOCK"); sock == "" {
				return nil, fmt.Errorf("invalid --ssh %q: SSH_AUTH_SOCK is not set", spec)
			}
		}
		if strings.Contains(sock, ",") {
			return nil, fmt.Errorf("invalid --ssh %q: berth build forwards one agent socket per id, not key files", spec)
		}
		if st, err := os.Stat(sock); err != nil || st.Mode()&os.ModeSocket == 0 {
			return nil, fmt.Errorf("invalid --ssh %q: %s is not an agent socket (key files are not supported: run ssh-agent and ssh-add them)", spec, sock)
		}
		out[id] = sock
	}
	return out, nil
}

// terminal says whether --progress draws the updating display on w, and
// the terminal's size: for auto and tty, when w is a terminal and TERM is
// not dumb; plain lines otherwise, as BuildKit falls back to on a pipe.
func terminal(w io.Writer, mode string) (bool, int, int) {
	f, ok := w.(*os.File)
	if mode == "plain" || !ok || !term.IsTerminal(int(f.Fd())) || os.Getenv("TERM") == "dumb" {
		return false, 0, 0
	}
	cols, rows, err := term.GetSize(int(f.Fd()))
	if err != nil {
		return true, 0, 0 // NewTTY's default size
	}
	return true, cols, rows
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func NewBuilderCommand(g *cli.Context) *cobra.Command {
	group := &cobra.Command{
		Use:   "builder COMMAND",
		Short: "Manage builds",
		Args:  cli.Args(cobra.NoArgs),
		RunE:  func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	var all, force bool
	prune := &cobra.Command{
		Use:   "prune [OPTIONS]",
		Short: "Remove build cache",
		Long: `Remove the build cache that no named image uses (with -a, all of it), and
the blobs and layer snapshots that nothing references afterwards.`,
		Args: cli.Args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !force && !cli.AskYes(cmd, "This will remove all dangling build cache.") {
				return nil
			}
			b, err := g.Builder()
			if err != nil {
				return err
			}
			rep, err := b.Prune(cmd.Context(), all)
			w := cmd.OutOrStdout()
			if len(rep.Deleted) > 0 {
				fmt.Fprintln(w, "Deleted build cache objects:")
				for _, d := range rep.Deleted {
					fmt.Fprintln(w, d)
				}
				fmt.Fprintln(w)
			}
			fmt.Fprintf(w, "Total reclaimed space: %s\n", progress.HumanSize(rep.Reclaimed))
			return err
		},
	}
	prune.Flags().BoolVarP(&all, "all", "a", false, "remove all build cache, not just dangling ones")
	prune.Flags().BoolVarP(&force, "force", "f", false, "do not prompt for confirmation")
	group.AddCommand(prune)
	return group
}
