package build

import (
	"reflect"
	"testing"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

func TestApplyChanges(t *testing.T) {
	tests := []struct {
		change string
		want   ocispec.ImageConfig
	}{
		{`CMD ["sh","-c","echo hi"]`, ocispec.ImageConfig{Cmd: []string{"sh", "-c", "echo hi"}}},
		{`CMD echo hi`, ocispec.ImageConfig{Cmd: []string{"/bin/sh", "-c", "echo hi"}}},
		{`ENTRYPOINT ["/bin/app"]`, ocispec.ImageConfig{Entrypoint: []string{"/bin/app"}}},
		{`cmd ["x"]`, ocispec.ImageConfig{Cmd: []string{"x"}}},
		{`ENV A=1 B="two words"`, ocispec.ImageConfig{Env: []string{"A=1", "B=two words"}}},
		{`ENV LEGACY some value`, ocispec.ImageConfig{Env: []string{"LEGACY=some value"}}},
		{`WORKDIR /srv`, ocispec.ImageConfig{WorkingDir: "/srv"}},
		{`USER 1000:1000`, ocispec.ImageConfig{User: "1000:1000"}},
		{`EXPOSE 80 53/udp`, ocispec.ImageConfig{ExposedPorts: map[string]struct{}{"80/tcp": {}, "53/udp": {}}}},
		{`LABEL a=b "c d"='e f'`, ocispec.ImageConfig{Labels: map[string]string{"a": "b", "c d": "e f"}}},
	}
	for _, tt := range tests {
		var got ocispec.ImageConfig
		if err := ApplyChanges(&got, []string{tt.change}); err != nil {
			t.Errorf("%s: %v", tt.change, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: got %+v, want %+v", tt.change, got, tt.want)
		}
	}
}

func TestApplyChangesRejects(t *testing.T) {
	for _, c := range []string{"RUN echo", "CMD", `ENV A="open`, "LABEL =x"} {
		var cfg ocispec.ImageConfig
		if err := ApplyChanges(&cfg, []string{c}); err == nil {
			t.Errorf("%q accepted", c)
		}
	}
}

func TestEnvOverrides(t *testing.T) {
	cfg := ocispec.ImageConfig{Env: []string{"PATH=/bin"}}
	if err := ApplyChanges(&cfg, []string{"ENV PATH=/usr/bin"}); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(cfg.Env, []string{"PATH=/usr/bin"}) {
		t.Errorf("Env = %v", cfg.Env)
	}
}
