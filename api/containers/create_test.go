package containers

import (
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/berth-containers/berth/api/router"
	"github.com/berth-containers/berth/engine/options"
)

func TestCreateOptions(t *testing.T) {
	for _, tc := range []struct {
		name, query, body string
		check             func(o options.CreateOptions) bool
		err               string
	}{
		{"plain", "?name=web", `{"Image":"busybox","Cmd":["echo","hi"],"AttachStdout":true}`, func(o options.CreateOptions) bool {
			return o.Image == "busybox" && o.Name == "web" && reflect.DeepEqual(o.Cmd, []string{"echo", "hi"}) && !o.Detach && o.Pull == "never"
		}, ""},
		{"detached", "", `{"Image":"busybox"}`, func(o options.CreateOptions) bool { return o.Detach }, ""},
		{"host config", "", `{"Image":"busybox","HostConfig":{"Binds":["/a:/b:ro"],"Memory":67108864,"NanoCpus":1500000000,
			"PortBindings":{"80/tcp":[{"HostIp":"127.0.0.1","HostPort":"8080"}]},"RestartPolicy":{"Name":"on-failure","MaximumRetryCount":3},
			"AutoRemove":true,"NetworkMode":"none","Tmpfs":{"/run":"size=1m"},"Ulimits":[{"Name":"nofile","Soft":10,"Hard":20}],"Init":true}}`,
			func(o options.CreateOptions) bool {
				return reflect.DeepEqual(o.Volumes, []string{"/a:/b:ro"}) && o.Memory == "67108864" && o.CPUs == "1.5" &&
					reflect.DeepEqual(o.Publish, []string{"127.0.0.1:8080:80/tcp"}) && o.Restart == "on-failure:3" && o.AutoRemove &&
					o.Network == "none" && reflect.DeepEqual(o.Tmpfs, []string{"/run:size=1m"}) &&
					reflect.DeepEqual(o.Ulimits, []string{"nofile=10:20"}) && o.Init
			}, ""},
		{"any host port", "", `{"Image":"busybox","HostConfig":{"PortBindings":{"8080/tcp":[{"HostIp":"","HostPort":"0"}]}}}`,
			func(o options.CreateOptions) bool { return reflect.DeepEqual(o.Publish, []string{"8080/tcp"}) }, ""},
		{"zero fields pass", "", `{"Image":"busybox","HostConfig":{"Links":null,"CpuRealtimeRuntime":0,"LogConfig":{"Type":"","Config":{}},"BlkioWeightDevice":[]}}`,
			func(o options.CreateOptions) bool { return true }, ""},
		{"entrypoint", "", `{"Image":"busybox","Entrypoint":["sh","-c"],"Cmd":["echo x"]}`, func(o options.CreateOptions) bool {
			return *o.Entrypoint == "sh" && reflect.DeepEqual(o.Cmd, []string{"-c", "echo x"})
		}, ""},
		{"unsupported", "", `{"Image":"busybox","HostConfig":{"Links":["a:b"]}}`, nil, "berth does not support HostConfig.Links"},
		{"log driver", "", `{"Image":"busybox","HostConfig":{"LogConfig":{"Type":"journald"}}}`, nil, "journald log driver"},
		{"healthcheck", "", `{"Image":"busybox","Healthcheck":{"Test":["CMD-SHELL","true"],"Interval":2000000000,"Retries":2}}`, func(o options.CreateOptions) bool {
			h := o.Healthcheck
			return h != nil && reflect.DeepEqual(h.Test, []string{"CMD-SHELL", "true"}) && h.Interval == 2*time.Second && h.Retries == 2
		}, ""},
		{"no image", "", `{"Cmd":["true"]}`, nil, "Image is required"},
		{"malformed", "", `{"Image":`, nil, "invalid JSON"},
		{"wrong type", "", `{"Image":"busybox","HostConfig":{"Memory":"lots"}}`, nil, "invalid HostConfig"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/containers/create"+tc.query, strings.NewReader(tc.body))
			o, err := createOptions(r)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("createOptions: %v, want an error with %q", err, tc.err)
				}
				if status, _ := router.StatusOf(err); status != 400 {
					t.Errorf("status %d, want 400", status)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !tc.check(o) {
				t.Errorf("createOptions = %+v", o)
			}
		})
	}
}

func TestCommandOf(t *testing.T) {
	if got := commandOf("sh", []string{"-c", "echo started; sleep 1", ""}); got != "sh -c 'echo started; sleep 1' " {
		t.Errorf("commandOf = %q", got)
	}
	if got := commandOf("sleep", nil); got != "sleep" {
		t.Errorf("commandOf with no args = %q", got)
	}
}
