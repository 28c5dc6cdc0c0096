package engine

import (
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/berth-containers/berth/engine/record"
)

// The container record moved to engine/record (issue 13). These aliases
// are a staged migration: the engine's other files, the API and the CLI
// keep compiling with the old names while they move to the new package
// one by one. A new caller should use the package, not the alias; the
// aliases go once nothing names them.
type (
	Container        = record.Container
	Config           = record.Config
	HostConfig       = record.HostConfig
	State            = record.State
	Mount            = record.Mount
	RestartPolicy    = record.RestartPolicy
	Ulimit           = record.Ulimit
	HealthConfig     = record.HealthConfig
	Health           = record.Health
	HealthResult     = record.HealthResult
	NetworkConfig    = record.NetworkConfig
	EndpointSettings = record.EndpointSettings
	PortBinding      = record.PortBinding
	PortMapping      = record.PortMapping
	MoreResources    = record.MoreResources
	ExtraHostConfig  = record.ExtraHostConfig
	DeviceHostConfig = record.DeviceHostConfig
	ThrottleDevice   = record.ThrottleDevice
)

// Status and health names, as record's.
const (
	StatusCreated    = record.StatusCreated
	StatusRunning    = record.StatusRunning
	StatusPaused     = record.StatusPaused
	StatusRestarting = record.StatusRestarting
	StatusExited     = record.StatusExited
	StatusDead       = record.StatusDead

	HealthStarting  = record.HealthStarting
	HealthHealthy   = record.HealthHealthy
	HealthUnhealthy = record.HealthUnhealthy
	HealthNone      = record.HealthNone
)

// exitUnknown is record.ExitUnknown, under the name the monitor uses.
const exitUnknown = record.ExitUnknown

// imageConfig is the part of an image's config a container starts from.
type imageConfig = ocispec.ImageConfig
