package image

import "github.com/berth-containers/berth/internal/eventlog"

// emit logs an image event as dockerd's LogImageEventWithAttributes: the
// actor is id (an image ID, or a familiar reference for pull and push),
// name its name attribute, and the image's labels beside it.
func (s *Service) emit(action, id, name string, img *Image) {
	attrs := map[string]string{}
	if img != nil {
		for k, v := range img.Config.Config.Labels {
			attrs[k] = v
		}
	}
	attrs["name"] = name
	eventlog.Emit(s.root, eventlog.Image, action, id, attrs)
}

// emitID logs an event whose actor and name are both the image's ID, as
// dockerd's load, save, import, untag and delete.
func (s *Service) emitID(action string, img *Image) {
	s.emit(action, img.ID.String(), img.ID.String(), img)
}
