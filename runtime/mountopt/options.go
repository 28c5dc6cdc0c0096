package mountopt

import (
	"fmt"
	"strings"

	"golang.org/x/sys/unix"
)

// Options is a spec mount's option list split the way the kernel wants
// it: mount(2) flags, propagation changes, a recursive mount_setattr and the
// filesystem-specific data string.
type Options struct {
	// Flags are the MS_* flags to pass to mount(2).
	Flags uintptr
	// Cleared are the MS_* flags an option explicitly turned off (rw, suid,
	// dev...). A bind remount may keep a locked flag of its source only if
	// the user did not ask for it to be cleared.
	Cleared uintptr
	// Propagation holds MS_SHARED, MS_SLAVE, MS_PRIVATE or MS_UNBINDABLE,
	// each possibly with MS_REC, applied in order after mounting.
	Propagation []uintptr
	// RecAttr is applied with mount_setattr(AT_RECURSIVE) after mounting;
	// nil when no r* attribute option was given.
	RecAttr *unix.MountAttr
	// Data is every option the kernel's generic flags do not know, joined
	// with commas, passed to the filesystem.
	Data string
	// CopyUp is runc's tmpcopyup extension: copy the covered directory's
	// content into a new tmpfs.
	CopyUp bool
	// IDMap (options idmap and ridmap) makes a bind id-mapped;
	// IDMapRecursive (ridmap) maps its submounts too.
	IDMap, IDMapRecursive bool
}

// IsBind reports whether the options make a bind mount.
func (o Options) IsBind() bool { return o.Flags&unix.MS_BIND != 0 }

// flagOpt maps an option to the flag it sets or, when clear, clears.
type flagOpt struct {
	clear bool
	flag  uintptr
}

// mountFlags is runc's table: every fstab word the generic mount code knows.
var mountFlags = map[string]flagOpt{
	"acl":           {false, unix.MS_POSIXACL},
	"async":         {true, unix.MS_SYNCHRONOUS},
	"atime":         {true, unix.MS_NOATIME},
	"bind":          {false, unix.MS_BIND},
	"defaults":      {false, 0},
	"dev":           {true, unix.MS_NODEV},
	"diratime":      {true, unix.MS_NODIRATIME},
	"dirsync":       {false, unix.MS_DIRSYNC},
	"exec":          {true, unix.MS_NOEXEC},
	"iversion":      {false, unix.MS_I_VERSION},
	"lazytime":      {false, unix.MS_LAZYTIME},
	"loud":          {true, unix.MS_SILENT},
	"mand":          {false, unix.MS_MANDLOCK},
	"noacl":         {true, unix.MS_POSIXACL},
	"noatime":       {false, unix.MS_NOATIME},
	"nodev":         {false, unix.MS_NODEV},
	"nodiratime":    {false, unix.MS_NODIRATIME},
	"noexec":        {false, unix.MS_NOEXEC},
	"noiversion":    {true, unix.MS_I_VERSION},
	"nolazytime":    {true, unix.MS_LAZYTIME},
	"nomand":        {true, unix.MS_MANDLOCK},
	"norelatime":    {true, unix.MS_RELATIME},
	"nostrictatime": {true, unix.MS_STRICTATIME},
	"nosuid":        {false, unix.MS_NOSUID},
	"rbind":         {false, unix.MS_BIND | unix.MS_REC},
	"relatime":      {false, unix.MS_RELATIME},
	"remount":       {false, unix.MS_REMOUNT},
	"ro":            {false, unix.MS_RDONLY},
	"rw":            {true, unix.MS_RDONLY},
	"silent":        {false, unix.MS_SILENT},
	"strictatime":   {false, unix.MS_STRICTATIME},
	"suid":          {true, unix.MS_NOSUID},
	"sync":          {false, unix.MS_SYNCHRONOUS},
	"nosymfollow":   {false, unix.MS_NOSYMFOLLOW},
	"symfollow":     {true, unix.MS_NOSYMFOLLOW},
}

var propagationFlags = map[string]uintptr{
	"private":     unix.MS_PRIVATE,
	"shared":      unix.MS_SHARED,
	"slave":       unix.MS_SLAVE,
	"unbindable":  unix.MS_UNBINDABLE,
	"rprivate":    unix.MS_PRIVATE | unix.MS_REC,
	"rshared":     unix.MS_SHARED | unix.MS_REC,
	"rslave":      unix.MS_SLAVE | unix.MS_REC,
	"runbindable": unix.MS_UNBINDABLE | unix.MS_REC,
}

// recAttrFlags maps the r* options to MOUNT_ATTR_* bits for mount_setattr.
var recAttrFlags = map[string]struct {
	clear bool
	flag  uint64
}{
	"rro":            {false, unix.MOUNT_ATTR_RDONLY},
	"rrw":            {true, unix.MOUNT_ATTR_RDONLY},
	"rnosuid":        {false, unix.MOUNT_ATTR_NOSUID},
	"rsuid":          {true, unix.MOUNT_ATTR_NOSUID},
	"rnodev":         {false, unix.MOUNT_ATTR_NODEV},
	"rdev":           {true, unix.MOUNT_ATTR_NODEV},
	"rnoexec":        {false, unix.MOUNT_ATTR_NOEXEC},
	"rexec":          {true, unix.MOUNT_ATTR_NOEXEC},
	"rnodiratime":    {false, unix.MOUNT_ATTR_NODIRATIME},
	"rdiratime":      {true, unix.MOUNT_ATTR_NODIRATIME},
	"rrelatime":      {false, unix.MOUNT_ATTR_RELATIME},
	"rnorelatime":    {true, unix.MOUNT_ATTR_RELATIME},
	"rnoatime":       {false, unix.MOUNT_ATTR_NOATIME},
	"ratime":         {true, unix.MOUNT_ATTR_NOATIME},
	"rstrictatime":   {false, unix.MOUNT_ATTR_STRICTATIME},
	"rnostrictatime": {true, unix.MOUNT_ATTR_STRICTATIME},
	"rnosymfollow":   {false, unix.MOUNT_ATTR_NOSYMFOLLOW},
	"rsymfollow":     {true, unix.MOUNT_ATTR_NOSYMFOLLOW},
}

// Parse turns spec mount options into flags, propagation, a
// recursive mount_setattr and data, as runc's specconv does. Later options
// win over earlier ones ("ro,rw" is rw).
func Parse(opts []string) (Options, error) {
	var o Options
	var data []string
	for _, opt := range opts {
		if f, ok := mountFlags[opt]; ok {
			if f.clear {
				o.Flags &^= f.flag
				o.Cleared |= f.flag
			} else {
				o.Flags |= f.flag
				o.Cleared &^= f.flag
			}
			continue
		}
		if p, ok := propagationFlags[opt]; ok {
			o.Propagation = append(o.Propagation, p)
			continue
		}
		if f, ok := recAttrFlags[opt]; ok {
			addRecAttr(&o, f.clear, f.flag)
			continue
		}
		switch opt {
		case "tmpcopyup":
			o.CopyUp = true
		case "idmap":
			o.IDMap = true
		case "ridmap":
			o.IDMap, o.IDMapRecursive = true, true
		case "":
			return Options{}, fmt.Errorf("empty mount option")
		default:
			data = append(data, opt)
		}
	}
	o.Data = strings.Join(data, ",")
	return o, nil
}

func addRecAttr(o *Options, clear bool, flag uint64) {
	if o.RecAttr == nil {
		o.RecAttr = &unix.MountAttr{}
	}
	a := o.RecAttr
	if clear {
		a.Attr_clr |= flag
		a.Attr_set &^= flag
	} else {
		a.Attr_set |= flag
		a.Attr_clr &^= flag
	}
	// The access-time modes are an enum, not bits (relatime is 0):
	// mount_setattr(2) takes a change of it, set or clear, only with the
	// whole MOUNT_ATTR__ATIME in attr_clr, and EINVAL for part of it.
	// Clearing one mode so falls back to relatime, as runc's.
	if flag&unix.MOUNT_ATTR__ATIME == flag {
		a.Attr_clr |= unix.MOUNT_ATTR__ATIME
	}
}

// Propagation returns the mount flags of a propagation mode name
// ("rslave", "private", ...), as linux.rootfsPropagation spells it.
func Propagation(name string) (uintptr, bool) {
	p, ok := propagationFlags[name]
	return p, ok
}

// PropagationName is the mode name of propagation flags, for messages.
func PropagationName(p uintptr) string {
	for name, f := range propagationFlags {
		if f == p {
			return name
		}
	}
	return fmt.Sprintf("propagation %#x", p)
}
