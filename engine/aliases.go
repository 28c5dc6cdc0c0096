package engine

import (
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/berth-containers/berth/engine/options"
	"github.com/berth-containers/berth/engine/record"
	"github.com/berth-containers/berth/engine/specgen"
	"github.com/berth-containers/berth/engine/store"
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

// create's and run's flags moved to engine/options, as the record did.
type (
	CreateOptions  = options.CreateOptions
	NetworkOptions = options.NetworkOptions
	ExtraOptions   = options.ExtraOptions
	DeviceOptions  = options.DeviceOptions
	HealthOptions  = options.HealthOptions
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

// InitPath and Docker's PATH, as the spec generator has them.
const (
	InitPath    = specgen.InitPath
	defaultPath = specgen.DefaultPath
)

// imageConfig is the part of an image's config a container starts from.
type imageConfig = ocispec.ImageConfig

// The store's errors, as engine.ErrNotFound and so on for the CLI and the
// API, which test for them with errors.Is and errors.As.
var (
	ErrNotFound  = store.ErrNotFound
	ErrNameInUse = store.ErrNameInUse
)

// NotFoundError is store.NotFoundError.
type NotFoundError = store.NotFoundError
