package cli_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// docBlock returns the fenced block of a page under docs/ that holds
// the line start.
func docBlock(t *testing.T, page, start string) string {
	t.Helper()
	text, err := os.ReadFile(filepath.Join("..", "..", "docs", page))
	require.NoError(t, err)
	for _, m := range regexp.MustCompile("(?s)```\n(.*?)```").FindAllStringSubmatch(string(text), -1) {
		if strings.Contains(m[1], start) {
			return m[1]
		}
	}
	t.Fatalf("docs/%s has no block with %q", page, start)
	return ""
}

// TestDocumentedReviewIsWhatItPrints runs the review docs/cli.md shows
// and finds each line the page quotes in what it prints (the page cuts
// some, marked "...").
func TestDocumentedReviewIsWhatItPrints(t *testing.T) {
	t.Parallel()
	const command = "$ openrouter-analytics review --demo --drill 1"
	block := docBlock(t, "cli.md", command)
	code, out, errOut := run(t, nil, strings.Fields(strings.TrimPrefix(command, "$ openrouter-analytics "))...)
	require.Equal(t, 0, code, errOut)
	printed := strings.Split(out, "\n")
	quoted := 0
	for line := range strings.Lines(block) {
		line = strings.TrimSuffix(line, "\n")
		if strings.HasPrefix(line, "$ ") || strings.Contains(line, "...") {
			continue
		}
		quoted++
		assert.Contains(t, printed, line, "docs/cli.md quotes a line the review does not print")
	}
	assert.Greater(t, quoted, 30)
}
