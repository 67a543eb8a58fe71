package testproc_test

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/a2d11fc8/openrouter-analytics-go/internal/testproc"
)

func TestMain(m *testing.M) {
	if os.Getenv("TESTPROC_CHILD") != "" {
		os.Stdout.WriteString("child " + os.Getenv("TESTPROC_CHILD") + " GORACE=" + os.Getenv("GORACE") + "\n")
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestSelfRunsThisBinary starts the test binary as a child, with the
// environment given and the race detector's exit grace shortened, any
// GORACE options of the parent kept.
//
// Not parallel: it sets an environment variable.
func TestSelfRunsThisBinary(t *testing.T) {
	t.Setenv("GORACE", "halt_on_error=1")
	out, err := testproc.Self([]string{"-test.run=^$"}, "TESTPROC_CHILD=yes").CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Equal(t, "child yes GORACE=halt_on_error=1 atexit_sleep_ms=50", strings.TrimSpace(string(out)))
}
