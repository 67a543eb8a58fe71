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
	readme, err := os.ReadFile("../README.md")
	require.NoError(t, err)
	_, section, ok := strings.Cut(string(readme), "## Quick start")
	require.True(t, ok)
	_, code, ok := strings.Cut(section, "```go\n")
	require.True(t, ok)
	code, _, ok = strings.Cut(code, "```")
	require.True(t, ok)
	require.Contains(t, code, "package main")

	// Inside the module, so that the import resolves to this checkout.
	dir, err := os.MkdirTemp("..", ".quickstart-")
	require.NoError(t, err)
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	require.NoError(t, os.WriteFile(filepath.Join(dir, "main.go"), []byte(code), 0o644))
	bin := filepath.Join(t.TempDir(), "quickstart")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = dir
	out, err := build.CombinedOutput()
	require.NoError(t, err, "%s", out)

	fake := analyticstest.NewServer(t)
	run := exec.CommandContext(t.Context(), bin)
	run.Env = append(os.Environ(), "OPENROUTER_API_KEY="+analyticstest.ManagementKey, "OPENROUTER_BASE_URL="+fake.URL)
	out, err = run.CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Contains(t, string(out), "request_count Requests number")
	assert.Contains(t, string(out), "truncated: false")
	reqs := fake.Requests()
	require.Len(t, reqs, 2)
	assert.Equal(t, "My dashboard", reqs[1].Header.Get("X-OpenRouter-Title"))
}
