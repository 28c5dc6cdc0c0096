package criu

import (
	"os"
	"strings"

	"github.com/berth-containers/berth/runtime/criu/rpc"
)

// RestoreRequest is the request that restores the images in imgs as c,
// its root at croot (the rootfs as CRIU sees it). fds are the dump's
// descriptors (DescriptorsFile): the pipes among them are sess's stdio.
// The namespaces c joins are added to sess's ExtraFiles, which the caller
// closes.
func RestoreRequest(c *Container, o *Options, imgs, work *os.File, croot string, fds []string, sess *Session) (*rpc.CriuReq, error) {
	opts, err := o.Common(imgs, work, "restore.log")
	if err != nil {
		return nil, err
	}
	opts.Root = rpc.String(croot)
	opts.EvasiveDevices = rpc.Bool(true)
	opts.RstSibling = rpc.Bool(true) // the init is our child, not criu's
	if o.LsmProfile != "" {
		opts.LsmProfile = rpc.String(o.LsmProfile)
	}
	if o.LsmMountContext != "" {
		opts.LsmMountContext = rpc.String(o.LsmMountContext)
	}
	ConfigFile(c.Spec, opts)
	if err := RestoreNamespaces(c.Spec, opts, sess); err != nil {
		return nil, err
	}
	opts.ExtMnt = RestoreMounts(c)
	for i, d := range fds {
		if strings.Contains(d, "pipe:") {
			opts.InheritFd = append(opts.InheritFd, &rpc.InheritFd{Key: rpc.String(d), Fd: rpc.Int32(int32(i))})
		}
	}
	t := rpc.CriuReqType_RESTORE
	return &rpc.CriuReq{Type: &t, Opts: opts}, nil
}
