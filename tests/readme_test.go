package tests

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/a2d11fc8/openrouter-analytics-go/sdk/analyticstest"
)

// TestReadmeQuickStart builds the README's quick start as it stands, a
// program that imports only sdk/, and runs it against the fake API.
func TestReadmeQuickStart(t *testing.T) {
	t.Parallel()

	readme, err := os.ReadFile("../README.md")
	require.NoError(t, err)
	_, section, ok := strings.Cut(string(readme), "## Quick start")
	require.True(t, ok)
	_, code, ok := strings.Cut(section, "```go\n")
	require.True(t, ok)
	code, _, ok = strings.Cut(code, "```")
	require.True(t, ok)
	require.Contains(t, code, "package main")

	// A module of its own under t.TempDir(), as a user's would be, whose
	// import of the SDK is replaced by this checkout: nothing is written
	// into the source tree, which may be read-only.
	root, err := filepath.Abs("..")
	require.NoError(t, err)
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "main.go"), []byte(code), 0o644))
	goMod := "module quickstart\n\ngo 1.26\n\nrequire github.com/a2d11fc8/openrouter-analytics-go v0.0.0\n\n" +
		"replace github.com/a2d11fc8/openrouter-analytics-go => " + root + "\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.mod"), []byte(goMod), 0o644))
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.sum"), sum, 0o644))
	bin := filepath.Join(t.TempDir(), "quickstart")
	build := exec.Command("go", append(append([]string{"build"}, buildFlags()...), "-mod=mod", "-o", bin, ".")...)
	build.Dir = dir
	build.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "%s", out)

	fake := analyticstest.NewServer(t)
	run := exec.CommandContext(t.Context(), bin)
	run.Env = append(os.Environ(), "OPENROUTER_API_KEY="+analyticstest.ManagementKey, "OPENROUTER_BASE_URL="+fake.URL)
	out, err = run.CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Contains(t, string(out), "request_count Request Count number")
	assert.Contains(t, string(out), "truncated: false")
	reqs := fake.Requests()
	require.Len(t, reqs, 2)
	assert.Equal(t, "My dashboard", reqs[1].Header.Get("X-OpenRouter-Title"))
}
