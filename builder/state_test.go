package builder

import (
	"encoding/json"
	"testing"

	"github.com/berth-containers/berth/builder/dockerfile"
)

// TestMeta checks the config instructions against what Docker stores.
func TestMeta(t *testing.T) {
	for _, c := range []struct {
		name, src, want string
	}{
		{"shell CMD", "CMD redis-server", `{"Cmd":["/bin/sh","-c","redis-server"]}`},
		{"exec CMD", `CMD ["redis-server"]`, `{"Cmd":["redis-server"]}`},
		{"SHELL then shell CMD", "SHELL [\"/bin/ash\", \"-eo\"]\nCMD run it", `{"Cmd":["/bin/ash","-eo","run it"],"Shell":["/bin/ash","-eo"]}`},
		{"ENTRYPOINT drops an inherited CMD", "ENTRYPOINT top -b", `{"Entrypoint":["/bin/sh","-c","top -b"]}`},
		{"ENTRYPOINT keeps this stage's CMD", "CMD [\"-b\"]\nENTRYPOINT [\"top\"]", `{"Entrypoint":["top"],"Cmd":["-b"]}`},
		{"ENV both forms", "ENV A=1 B=\"two words\"\nENV C 3 4", `{"Env":["A=1","B=two words","C=3 4"]}`},
		{"WORKDIR relative", "WORKDIR /a\nWORKDIR b/../c", `{"WorkingDir":"/a/c"}`},
		{"EXPOSE and VOLUME", "EXPOSE 80 53/udp\nVOLUME /data\nVOLUME [\"/x\"]", `{"ExposedPorts":{"53/udp":{},"80/tcp":{}},"Volumes":{"/data":{},"/x":{}}}`},
		{"HEALTHCHECK", "HEALTHCHECK --interval=5s CMD true", `{"Healthcheck":{"Test":["CMD-SHELL","true"],"Interval":5000000000}}`},
	} {
		f, err := dockerfile.Parse([]byte("FROM scratch\n"+c.src+"\n"), "Dockerfile")
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		st := &state{b: &build{opts: Options{}, usedArgs: map[string]bool{}}}
		st.cfg.Config.Cmd = []string{"inherited"}
		for _, cmd := range f.Stages[0].Commands {
			if err := f.ExpandCommand(cmd, st.env()); err != nil {
				t.Fatal(err)
			}
			if ok, err := st.meta(f, cmd); !ok || err != nil {
				t.Fatalf("%s: meta %v, %v", c.name, ok, err)
			}
		}
		if len(st.cfg.Config.Cmd) == 1 && st.cfg.Config.Cmd[0] == "inherited" {
			st.cfg.Config.Cmd = nil
		}
		got, _ := json.Marshal(st.cfg.Config)
		if string(got) != c.want {
			t.Errorf("%s: config %s, want %s", c.name, got, c.want)
		}
		if len(st.cfg.History) != len(f.Stages[0].Commands) || !st.cfg.History[0].EmptyLayer {
			t.Errorf("%s: history %+v", c.name, st.cfg.History)
		}
	}
}
