// Package layering pins which packages of the module may import which.
// DESIGN.md draws the layers (cmd over engine over image, snapshot, network
// and volume over runtime); its test turns that drawing into a check that
// fails the build when an import points up or sideways, the way
// go-containerregistry's depcheck guards its packages.
package layering
