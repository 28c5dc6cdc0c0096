package image

// releaseAfter runs a release step (the content store's GC lock, a
// writer's Close) once the work is done; its error becomes the result
// only when the work succeeded, so the first failure is the one reported.
func releaseAfter(err *error, release func() error) {
	if rerr := release(); rerr != nil && *err == nil {
		*err = rerr
	}
}
