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

// TestDocumentedSyncIsWhatItPrints runs the two syncs docs/sync.md
// shows and compares their summaries with the page's, all but the time
// they took.
func TestDocumentedSyncIsWhatItPrints(t *testing.T) {
	t.Parallel()
	block := docBlock(t, "sync.md", "openrouter-analytics sync --demo")
	_, command, _ := strings.Cut(block, "openrouter-analytics ")
	command, _, _ = strings.Cut(command, "\nhourly_by_model synced")
	args := strings.Fields(strings.ReplaceAll(command, "\\\n", " "))
	for i, a := range args {
		if a == "sqlite:history.db" {
			args[i] = "sqlite:" + filepath.Join(t.TempDir(), "history.db")
		}
	}
	took := regexp.MustCompile(` in [0-9.]+m?s$`)
	var want []string
	for line := range strings.Lines(block) {
		if strings.HasPrefix(line, "hourly_by_model synced") {
			want = append(want, took.ReplaceAllString(strings.TrimSpace(line), ""))
		}
	}
	require.Len(t, want, 2, "the first run and the one after")
	for i, w := range want {
		code, out, errOut := run(t, nil, args...)
		require.Equal(t, 0, code, errOut)
		assert.Equal(t, w, took.ReplaceAllString(strings.TrimSpace(out), ""), "run %d", i+1)
	}
}
