package sdk

import (
	"runtime/debug"
	"testing"
)

func TestVersionFromBuildInfo(t *testing.T) {
	t.Parallel()

	for _, tc := range []struct {
		name string
		bi   *debug.BuildInfo
		want string
	}{
		{"no build info", nil, Version},
		{"a dependency", &debug.BuildInfo{Main: debug.Module{Path: "example.com/app", Version: "(devel)"},
			Deps: []*debug.Module{{Path: "golang.org/x/sync", Version: "v0.1.0"}, {Path: modulePath, Version: "v1.4.2"}}}, "1.4.2"},
		{"a pseudo-version", &debug.BuildInfo{Deps: []*debug.Module{{Path: modulePath, Version: "v0.1.1-0.20261125120000-abcdefabcdef"}}},
			"0.1.1-0.20261125120000-abcdefabcdef"},
		{"replaced", &debug.BuildInfo{Deps: []*debug.Module{{Path: modulePath, Version: "v1.4.2", Replace: &debug.Module{Path: "../sdk"}}}}, Version},
		{"installed at a version", &debug.BuildInfo{Main: debug.Module{Path: modulePath, Version: "v2.0.0"}}, "2.0.0"},
		{"built in its own tree", &debug.BuildInfo{Main: debug.Module{Path: modulePath, Version: "(devel)"}}, Version},
		{"absent", &debug.BuildInfo{Main: debug.Module{Path: "example.com/app"}}, Version},
	} {
		if got := versionFrom(tc.bi); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}
