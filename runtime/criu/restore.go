package criu

import (
	"os"
	"strings"

	"github.com/checkpoint-restore/go-criu/v7/rpc"
	"google.golang.org/protobuf/proto"
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
	opts.Root = proto.String(croot)
	opts.EvasiveDevices = proto.Bool(true)
	opts.RstSibling = proto.Bool(true) // the init is our child, not criu's
	if o.LsmProfile != "" {
		opts.LsmProfile = proto.String(o.LsmProfile)
	}
	if o.LsmMountContext != "" {
		opts.LsmMountContext = proto.String(o.LsmMountContext)
	}
	ConfigFile(c.Spec, opts)
	if err := RestoreNamespaces(c.Spec, opts, sess); err != nil {
		return nil, err
	}
	opts.ExtMnt = RestoreMounts(c)
	for i, d := range fds {
		if strings.Contains(d, "pipe:") {
			opts.InheritFd = append(opts.InheritFd, &rpc.InheritFd{Key: proto.String(d), Fd: proto.Int32(int32(i))})
		}
	}
	t := rpc.CriuReqType_RESTORE
	return &rpc.CriuReq{Type: &t, Opts: opts}, nil
}
