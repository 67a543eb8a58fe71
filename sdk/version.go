package sdk

import (
	"runtime/debug"
	"strings"
	"sync"
)

// Version is this SDK's version as released. The User-Agent header
// carries the version the go command resolved instead, when the SDK is
// built as a dependency of another module (see its build info).
const Version = "0.1.0"

// modulePath is this module's path, as build info names it.
const modulePath = "github.com/a2d11fc8/openrouter-analytics-go"

// buildVersion is the version sent in the User-Agent header.
var buildVersion = sync.OnceValue(func() string {
	bi, _ := debug.ReadBuildInfo()
	return versionFrom(bi)
})

// versionFrom finds this module's version in build info: as a dependency,
// or as the main module of a binary installed at a version (go install
// ...@v1.2.3); else Version.
func versionFrom(bi *debug.BuildInfo) string {
	if bi == nil {
		return Version
	}
	mods := append([]*debug.Module{&bi.Main}, bi.Deps...)
	for _, m := range mods {
		if m.Path != modulePath {
			continue
		}
		if m.Replace != nil {
			return Version // a local replacement: the constant says more than its pseudo-version
		}
		if v := strings.TrimPrefix(m.Version, "v"); v != "" && m.Version != "(devel)" {
			return v
		}
	}
	return Version
}
