package image

import (
	"bytes"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"
	"github.com/spf13/cobra"

	"github.com/berth-containers/berth/cmd/berth/internal/cli"
	"github.com/berth-containers/berth/image"
)

func TestRegistryHost(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"127.0.0.1:5000", "127.0.0.1:5000"},
		{"https://registry.example.com/v2/", "registry.example.com"},
		{"http://localhost:5000", "localhost:5000"},
		{"ghcr.io/owner", "ghcr.io"},
		{"docker.io", "docker.io"},
	} {
		if got := registryHost(tc.in); got != tc.want {
			t.Errorf("registryHost(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestMustNormalize(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"busybox", "docker.io/library/busybox:latest"},
		{"127.0.0.1:5000/app:v1", "127.0.0.1:5000/app:v1"},
		{"Not A Name", "Not A Name"}, // printed as given: the pull reported its own error
	} {
		if got := mustNormalize(tc.in); got != tc.want {
			t.Errorf("mustNormalize(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestCommandNames checks Docker's names: `image VERB` for each verb, and
// the top-level images, rmi, pull... without the group's aliases.
func TestCommandNames(t *testing.T) {
	root := &cobra.Command{Use: "berth"}
	AddCommands(root, &cli.Context{})
	var top []string
	for _, c := range root.Commands() {
		top = append(top, c.Name())
		if c.Name() == "images" && (len(c.Aliases) != 0 || !strings.HasPrefix(c.Use, "images [OPTIONS]")) {
			t.Errorf("images: Use %q aliases %q", c.Use, c.Aliases)
		}
	}
	sort.Strings(top)
	want := "build builder history image images import load pull push rmi save tag"
	if strings.Join(top, " ") != want {
		t.Errorf("top-level commands %q, want %q", strings.Join(top, " "), want)
	}
	for _, args := range [][]string{{"image", "ls"}, {"image", "list"}, {"image", "rm"}, {"image", "prune"}, {"image", "inspect"}} {
		c, _, err := root.Find(args)
		if err != nil || c.Parent().Name() != "image" {
			t.Errorf("berth %s: %v", strings.Join(args, " "), err)
		}
	}
}

func TestPrintList(t *testing.T) {
	id := digest.FromString("config")
	other := digest.FromString("other")
	img, img2 := &image.Image{ID: id}, &image.Image{ID: other}
	rows := []image.Row{
		{Image: img, Repository: "busybox", Tag: "latest", Digest: "sha256:aaa", Size: 4_260_000},
		{Image: img, Repository: "mirror/busybox", Tag: "1.36", Digest: "<none>", Size: 4_260_000},
		{Image: img2, Repository: "<none>", Tag: "<none>", Digest: "<none>", Size: 0, Created: time.Now().Add(-3 * time.Hour)},
	}
	short, short2 := id.Encoded()[:12], other.Encoded()[:12]
	for _, tc := range []struct {
		name string
		o    listOptions
		want string
	}{
		{"quiet dedups", listOptions{quiet: true}, short + "\n" + short2 + "\n"},
		{"quiet no-trunc", listOptions{quiet: true, noTrunc: true}, id.String() + "\n" + other.String() + "\n"},
		{"table", listOptions{}, "REPOSITORY       TAG       IMAGE ID       CREATED       SIZE\n" +
			"busybox          latest    " + short + "   N/A           4.26MB\n" +
			"mirror/busybox   1.36      " + short + "   N/A           4.26MB\n" +
			"<none>           <none>    " + short2 + "   3 hours ago   0B\n"},
		{"digests", listOptions{digests: true, format: "table {{.Repository}}\t{{.Digest}}"}, "REPOSITORY       DIGEST\n" +
			"busybox          sha256:aaa\nmirror/busybox   <none>\n<none>           <none>\n"},
		{"digests column", listOptions{digests: true}, "REPOSITORY       TAG       DIGEST       IMAGE ID       CREATED       SIZE\n" +
			"busybox          latest    sha256:aaa   " + short + "   N/A           4.26MB\n" +
			"mirror/busybox   1.36      <none>       " + short + "   N/A           4.26MB\n" +
			"<none>           <none>    <none>       " + short2 + "   3 hours ago   0B\n"},
		{"format", listOptions{format: "{{.Repository}}:{{.Tag}} {{.Size}}"}, "busybox:latest 4.26MB\nmirror/busybox:1.36 4.26MB\n<none>:<none> 0B\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := &cobra.Command{}
			var b bytes.Buffer
			cmd.SetOut(&b)
			if err := printList(cmd, rows, tc.o); err != nil {
				t.Fatal(err)
			}
			if b.String() != tc.want {
				t.Errorf("got\n%q\nwant\n%q", b.String(), tc.want)
			}
		})
	}
}

func TestCreatedByColumn(t *testing.T) {
	long := "/bin/sh -c apk add --no-cache ca-certificates curl git openssh"
	for _, tc := range []struct {
		in      string
		noTrunc bool
		want    string
	}{
		{"/bin/sh -c #(nop)  CMD [\"sh\"]", false, "/bin/sh -c #(nop)  CMD [\"sh\"]"},
		{"/bin/sh -c #(nop) \tCMD [\"sh\"]", false, "/bin/sh -c #(nop)  CMD [\"sh\"]"},
		{"RUN a &&\nb", false, "RUN a && b"},
		{long, false, long[:44] + "…"},
		{long, true, long},
		{strings.Repeat("x", 45), false, strings.Repeat("x", 45)},
		// 45 characters of two bytes each: cut by character, not by byte.
		{"RUN echo " + strings.Repeat("é", 40), false, "RUN echo " + strings.Repeat("é", 35) + "…"},
	} {
		if got := createdByColumn(tc.in, tc.noTrunc); got != tc.want {
			t.Errorf("createdByColumn(%q, %v) = %q, want %q", tc.in, tc.noTrunc, got, tc.want)
		}
	}
}
