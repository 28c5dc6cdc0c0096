package options

import (
	"strings"
	"testing"

	"github.com/berth-containers/berth/engine/record"
)

func TestParseMountFlag(t *testing.T) {
	tests := []mountCase{
		{in: "type=bind,src=/h,dst=/c", want: record.Mount{Type: "bind", Source: "/h", Destination: "/c"}},
		{in: "type=bind,source=/h/,target=/c/,readonly", want: record.Mount{Type: "bind", Source: "/h", Destination: "/c", ReadOnly: true}},
		{in: "type=bind,src=/h,dst=/c,ro=1", want: record.Mount{Type: "bind", Source: "/h", Destination: "/c", ReadOnly: true}},
		{in: "type=bind,src=/h,dst=/c,readonly=true", want: record.Mount{Type: "bind", Source: "/h", Destination: "/c", ReadOnly: true}},
		{in: "type=bind,src=/h,dst=/c,readonly=false", want: record.Mount{Type: "bind", Source: "/h", Destination: "/c"}},
		{in: "type=bind,src=/h,dst=/c,readonly=0", want: record.Mount{Type: "bind", Source: "/h", Destination: "/c"}},
		{in: "type=bind,src=/h,dst=/c,bind-propagation=rslave", want: record.Mount{Type: "bind", Source: "/h", Destination: "/c", Propagation: "rslave"}},
		{in: "type=bind,src=/h,destination=/c,consistency=cached", want: record.Mount{Type: "bind", Source: "/h", Destination: "/c"}},
		{in: `type=bind,"src=/h,x",dst=/c`, want: record.Mount{Type: "bind", Source: "/h,x", Destination: "/c"}},
		{in: "dst=/c", want: record.Mount{Type: "volume", Destination: "/c"}},
		{in: "type=volume,src=v,dst=/c,volume-nocopy", want: record.Mount{Type: "volume", Name: "v", Destination: "/c", NoCopy: true}},
		{in: "type=volume,src=v,dst=/c,volume-nocopy=false", want: record.Mount{Type: "volume", Name: "v", Destination: "/c"}},
		{in: "type=tmpfs,dst=/t,tmpfs-size=64m,tmpfs-mode=1770", want: record.Mount{Type: "tmpfs", Source: "tmpfs", Destination: "/t", Options: "size=67108864,mode=1770"}},
		{in: "TYPE=TMPFS,DST=/t", want: record.Mount{Type: "tmpfs", Source: "tmpfs", Destination: "/t"}},

		{in: "type=bind,src=/h,dst=/c,readonly=yes", wantErr: "invalid value for readonly: yes"},
		{in: "type=bind,src=/h,dst=/c,ro=on", wantErr: "invalid value for ro: on"},
		{in: "type=bind,src=/h,dst=/c,bind-propagation=bogus", wantErr: `invalid mount config for type "bind": invalid propagation mode: bogus`},
		{in: "type=volume,src=v,dst=/c,bind-propagation=rshared", wantErr: "cannot mix 'bind-*' options with mount type 'volume'"},
		{in: "type=bind,src=/h,dst=/c,volume-nocopy", wantErr: "cannot mix 'volume-*' options with mount type 'bind'"},
		{in: "type=volume,dst=/c,tmpfs-size=1m", wantErr: "cannot mix 'tmpfs-*' options with mount type 'volume'"},
		{in: "type=volume,src=v,dst=/c,volume-nocopy=maybe", wantErr: "invalid value for volume-nocopy: maybe"},
		{in: "type=tmpfs,dst=/t,tmpfs-size=lots", wantErr: "invalid value for tmpfs-size: lots"},
		{in: "type=tmpfs,dst=/t,tmpfs-mode=999", wantErr: "invalid value for tmpfs-mode: 999"},
		{in: "type=tmpfs,dst=/t,tmpfs-mode=17777", wantErr: "invalid value for tmpfs-mode: 17777"},
		{in: "type=tmpfs,src=x,dst=/t", wantErr: `invalid mount config for type "tmpfs": field Source must not be specified`},
		{in: "type=bind,src=/h,dst=/c,consistency=sloppy", wantErr: "invalid value for consistency: sloppy"},
		{in: "type=bind,src=/h,dst=/c,bogus=1", wantErr: "unexpected key 'bogus' in 'bogus=1'"},
		{in: "type=bind,src=/h,dst=/c,rw", wantErr: "invalid field 'rw' must be a key=value pair"},
		{in: "type=bind,dst=/c", wantErr: `invalid mount config for type "bind": field Source must not be empty`},
		{in: "type=bind,src=rel,dst=/c", wantErr: "invalid mount path: 'rel' mount path must be absolute"},
		{in: "type=bind,src=/h,dst=/", wantErr: "destination can't be '/'"},
		{in: "type=bind,src=/h,dst=c", wantErr: "invalid mount path: 'c' mount path must be absolute"},
		{in: "type=bind,src=/h", wantErr: "target is required"},
		{in: "type=,dst=/c", wantErr: "type is required"},
		{in: "type=npipe,dst=/c", wantErr: `invalid mount config for type "npipe": mount type unknown`},
		{in: `type=bind,src="/h,dst=/c`, wantErr: `invalid argument`},
	}
	checkMountParser(t, "ParseMount", ParseMount, tests)
}

func TestParseVolumeFlag(t *testing.T) {
	tests := []mountCase{
		{in: "/data", want: record.Mount{Type: "volume", Destination: "/data"}},
		{in: "v:/data", want: record.Mount{Type: "volume", Name: "v", Destination: "/data"}},
		{in: "v:/data:ro,nocopy", want: record.Mount{Type: "volume", Name: "v", Destination: "/data", ReadOnly: true, NoCopy: true}},
		{in: "/h:/c", want: record.Mount{Type: "bind", Source: "/h", Destination: "/c", Options: "create"}},
		{in: "/h:/c:ro,rshared,Z", want: record.Mount{Type: "bind", Source: "/h", Destination: "/c", Options: "create", ReadOnly: true, Propagation: "rshared"}},
		{in: "/h:/c:rw,cached", want: record.Mount{Type: "bind", Source: "/h", Destination: "/c", Options: "create"}},

		{in: ":/data", wantErr: "invalid volume specification: ':/data'"},
		{in: "", wantErr: "invalid volume specification: ''"},
		{in: "/x:/", wantErr: `invalid volume specification: '/x:/': invalid mount config for type "bind": invalid specification: destination can't be '/'`},
		{in: "/", wantErr: "destination can't be '/'"},
		{in: "/foo:rw", wantErr: "invalid volume specification: '/foo:rw'"},
		{in: "a:b:c:d", wantErr: "invalid volume specification: 'a:b:c:d'"},
		{in: "v:data", wantErr: "invalid mount path: 'data' mount path must be absolute"},
		{in: "/h:/c:ro,rw", wantErr: "invalid mode: ro,rw"},
		{in: "/h:/c:bogus", wantErr: "invalid mode: bogus"},
		{in: "/h:/c:rshared,rslave", wantErr: "invalid mode: rshared,rslave"},
		{in: "/h:/c:nocopy", wantErr: "nocopy is only for volumes"},
		{in: "v:/c:rshared", wantErr: "propagation is only for bind mounts"},
	}
	checkMountParser(t, "ParseVolume", ParseVolume, tests)
}

type mountCase struct {
	in      string
	want    record.Mount
	wantErr string
}

func checkMountParser(t *testing.T, name string, parse func(string) (record.Mount, error), tests []mountCase) {
	t.Helper()
	for _, tt := range tests {
		got, err := parse(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%s(%q) = %+v, %v; want error %q", name, tt.in, got, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%s(%q) = %+v, %v; want %+v", name, tt.in, got, err, tt.want)
		}
	}
}

func TestValidateHostValues(t *testing.T) {
	tests := []struct {
		o       CreateOptions
		wantErr string
	}{
		{CreateOptions{Devices: []string{"/dev/null", "/dev/null:/dev/n", "/dev/null:/dev/n:rw", "/dev/null::m"}}, ""},
		{CreateOptions{Devices: []string{"/dev/null:/dev/n:rwm\na *:* rwm"}}, "invalid device specification"},
		{CreateOptions{Devices: []string{"/dev/null:/dev/n:rwm\nb"}}, "bad mode specified"},
		{CreateOptions{Devices: []string{"/dev/null:/dev/n:rr"}}, "bad mode specified: rr"},
		{CreateOptions{Devices: []string{"/dev/null:/dev/n:"}}, "bad mode specified"},
		{CreateOptions{Devices: []string{"/dev/null:dev/n"}}, "dev/n is not an absolute path"},
		{CreateOptions{Devices: []string{"/dev/null:/a:r:x"}}, "invalid device specification"},
		{CreateOptions{CpusetCpus: "0-0,0"}, ""}, // a range and a list, and CPU 0 is online on every host
		{CreateOptions{CpusetCpus: "0-999999999"}, "invalid value 0-999999999 for cpuset cpus"},
		{CreateOptions{CpusetCpus: "0-8191"}, "requested CPUs are not available"},
		{CreateOptions{ExtraOptions: ExtraOptions{CpusetMems: "0-"}}, "invalid value 0- for cpuset mems"},
		{CreateOptions{CpusetCpus: "0\n1"}, "invalid value 0\n1 for cpuset cpus"},
		{CreateOptions{CpusetCpus: "0-"}, "for cpuset cpus"},
		{CreateOptions{Workdir: "/app"}, ""},
		{CreateOptions{Workdir: "app"}, "the working directory 'app' is invalid"},
	}
	for _, tt := range tests {
		err := validateHostValues(tt.o)
		if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
			t.Errorf("%+v: %v, want %q", tt.o, err, tt.wantErr)
		}
	}
}

func TestCheckEtcRecord(t *testing.T) {
	good := func() *record.Container {
		return &record.Container{Name: "c", Config: record.Config{Hostname: "0123456789ab"}, HostConfig: record.HostConfig{
			NetworkConfig: record.NetworkConfig{DNSSearch: []string{"example.org"}, DNSOptions: []string{"ndots:1"},
				Networks: map[string]record.EndpointSettings{"app": {Aliases: []string{"db"}}}}}}
	}
	if err := CheckEtcRecord(good()); err != nil {
		t.Fatalf("a good record: %v", err)
	}
	for name, spoil := range map[string]func(c *record.Container){
		"hostname":   func(c *record.Container) { c.Config.Hostname = "h\n10.0.0.66 db" },
		"dns-search": func(c *record.Container) { c.HostConfig.DNSSearch = []string{"x.org\nnameserver 10.0.0.66"} },
		"dns-option": func(c *record.Container) { c.HostConfig.DNSOptions = []string{"a b"} },
		"alias": func(c *record.Container) {
			c.HostConfig.Networks["app"] = record.EndpointSettings{Aliases: []string{"x\ny"}}
		},
	} {
		c := good()
		spoil(c)
		if err := CheckEtcRecord(c); err == nil {
			t.Errorf("a record with a bad %s passed", name)
		}
	}
}
