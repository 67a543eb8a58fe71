package cli_test

import (
	"encoding/csv"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/a2d11fc8/openrouter-analytics-go/internal/cli"
)

var dimensionNames = []string{"model", "provider", "app", "api_key_id", "user", "workspace", "origin", "country", "finish_reason"}

// The round trip a new user makes: the top value a row shows, put back
// into --filter, finds that row's requests again, on every dimension,
// names resolved to ids where the dimension needs it.
func TestFilterByWhatRowsShow(t *testing.T) {
	t.Parallel()

	found := 0
	for _, dim := range dimensionNames {
		t.Run(dim, func(t *testing.T) {
			code, out, errOut := run(t, nil, "query", "--demo", "--metric", "request_count", "--dimension", dim, "--last", "30d",
				"--order-by", "request_count desc", "--limit", "3", "--format", "csv")
			require.Equal(t, 0, code, errOut)
			recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
			require.NoError(t, err)
			var label, want string
			count := slices.Index(recs[0], "request_count") // user_email may stand between
			for _, r := range recs[1:] {
				if r[0] != "" {
					label, want = r[0], r[count]
					break
				}
			}
			require.NotEmpty(t, label)
			code, out, errOut = run(t, nil, "query", "--demo", "--metric", "request_count", "--last", "30d",
				"--filter", fmt.Sprintf("%s eq %s", dim, label), "--format", "csv")
			require.Equal(t, 0, code, errOut)
			assert.Equal(t, "request_count\n"+want+"\n", out, "%s %q", dim, label)
			assert.NotContains(t, errOut, "warning")
			if strings.Contains(errOut, " is ") {
				t.Logf("%-13s %-24q -> %s requests, resolved: %s", dim, label, want, strings.TrimSpace(errOut))
			} else {
				t.Logf("%-13s %-24q -> %s requests, as shown", dim, label, want)
			}
			found++
		})
	}
	assert.Equal(t, len(dimensionNames), found)
}

func TestNamesThatCannotBeResolvedStopTheQuery(t *testing.T) {
	t.Parallel()

	for _, tc := range []struct{ filter, says string }{
		{"api_key_id eq CI", `api_key_id "CI" is ambiguous: 2 match, filter by one of their ids: `},
		{"api_key_id eq Prod key", `no api_key_id is called "Prod key"; the nearest: "Production"`},
		{"user in Ada Lovelace,Nobody", `filters[0]: openrouter: no user is called "Nobody"`},
	} {
		code, out, errOut := run(t, nil, "query", "--demo", "--metric", "request_count", "--last", "7d", "--filter", tc.filter)
		assert.Equal(t, cli.ExitError, code, tc.filter)
		assert.Empty(t, out, "no query, no rows")
		assert.Contains(t, errOut, tc.says)
	}
}

func TestWithIDs(t *testing.T) {
	t.Parallel()

	code, out, errOut := run(t, nil, "query", "--demo", "--metric", "request_count", "--dimension", "api_key_id,workspace", "--last", "7d",
		"--with-ids", "--format", "csv")
	require.Equal(t, 0, code, errOut)
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	require.NoError(t, err)
	assert.Equal(t, []string{"api_key_id", "api_key_id.id", "workspace", "workspace.id", "request_count"}, recs[0])
	for _, r := range recs[1:] {
		if r[0] == "CI" {
			assert.Empty(t, r[1], "two keys are called CI: no id can be told")
		} else {
			assert.Len(t, r[1], 64, r[0])
		}
		assert.Len(t, r[3], 36, r[2])
	}
	assert.Contains(t, errOut, `2 api_key_id ids share the label "CI"`)

	code, out, _ = run(t, nil, "query", "--demo", "--metric", "request_count", "--dimension", "user", "--last", "7d", "--with-ids", "--format", "jsonl", "--limit", "2")
	require.Equal(t, 0, code)
	assert.Contains(t, out, `"user.id":"user_`)
}

func TestMetaIDs(t *testing.T) {
	t.Parallel()

	code, out, errOut := run(t, nil, "meta", "--ids", "--demo")
	require.Equal(t, 0, code, errOut)
	for _, want := range []string{"API keys (api_key_id)", "Workspaces (workspace)", "Members (user)", "Apps (app)", "Classifier (--classifier)",
		"0b6c1f1e-2d3a-4b5c-8d7e-9f0a1b2c3d4e  Default", "user_07  ops-bot-07@example.com", "1001  Acme Chat", "6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f"} {
		assert.Contains(t, out, want)
	}
	assert.Equal(t, 2, strings.Count(out, "  CI  "), "both keys called CI, each with its hash and workspace")
	code, out, _ = run(t, nil, "meta", "--ids", "--demo", "--format", "csv")
	require.Equal(t, 0, code)
	assert.Equal(t, 1+8+4+40+12+1, strings.Count(out, "\n"))
}
