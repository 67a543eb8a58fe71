package sdk_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk/analyticstest"
)

// requestsTo counts the fake's requests to a path.
func requestsTo(fake *analyticstest.Server, path string) int {
	n := 0
	for _, r := range fake.Requests() {
		if r.Path == path {
			n++
		}
	}
	return n
}

func TestResolve(t *testing.T) {
	t.Parallel()

	fake := analyticstest.NewServer(t)
	c := fake.Client(sdk.WithApps(analyticstest.Apps()...))
	ctx := t.Context()

	for _, tc := range []struct{ dim, name, id, workspace string }{
		{"api_key_id", "Production", "", "Default"},
		{"api_key_id", "production", "", "Default"}, // without regard to case, when nothing matches exactly
		{"workspace", "Research", "1c7d2e2f-3e4b-4c6d-9e8f-0a1b2c3d4e5f", ""},
		{"workspace", "customer-apps", "2d8e3f30-4f5c-4d7e-af90-1b2c3d4e5f60", ""}, // by slug
		{"user", "Ada Lovelace", "user_01", ""},
		{"user", "ops-bot-07@example.com", "user_07", ""}, // a member without a name shows as the email
		{"user", "grace.hopper@example.com", "user_02", ""},
		{"model", "OpenAI: GPT-4o", "openai/gpt-4o", ""},
		{"app", "Acme Chat", "1001", ""},
		// Ids pass through, known or not; other dimensions are left alone.
		{"model", "nobody/nothing", "nobody/nothing", ""},
		{"user", "user_99", "user_99", ""},
		{"api_key_id", "512", "512", ""},
		{"provider", "Azure", "Azure", ""},
	} {
		got, err := c.Resolve(ctx, tc.dim, tc.name)
		require.NoError(t, err, "%s %q", tc.dim, tc.name)
		if tc.id != "" {
			assert.Equal(t, tc.id, got.ID, "%s %q", tc.dim, tc.name)
		} else {
			assert.Len(t, got.ID, 64, "a key's hash")
		}
		assert.Equal(t, tc.workspace, got.Workspace)
	}

	t.Run("ambiguous", func(t *testing.T) {
		_, err := c.Resolve(ctx, "api_key_id", "CI")
		var amb *sdk.AmbiguousNameError
		require.ErrorAs(t, err, &amb)
		require.Len(t, amb.Candidates, 2)
		assert.Equal(t, []string{"Default", "Research"}, []string{amb.Candidates[0].Workspace, amb.Candidates[1].Workspace})
		assert.NotEqual(t, amb.Candidates[0].ID, amb.Candidates[1].ID)
		assert.Contains(t, err.Error(), `api_key_id "CI" is ambiguous: 2 match, filter by one of their ids: `+amb.Candidates[0].ID+" (CI in workspace Default); ")
	})
	t.Run("unknown", func(t *testing.T) {
		_, err := c.Resolve(ctx, "api_key_id", "prod")
		var unknown *sdk.UnknownNameError
		require.ErrorAs(t, err, &unknown)
		assert.Equal(t, "Production", unknown.Nearest[0])
		_, err = c.Resolve(ctx, "model", "GPT-4o")
		require.ErrorAs(t, err, &unknown)
		assert.Equal(t, []string{"OpenAI: GPT-4o", "OpenAI: GPT-4o-mini"}, unknown.Nearest[:2])
		assert.Contains(t, err.Error(), `no model is called "GPT-4o"; the nearest: "OpenAI: GPT-4o"`)
	})
	t.Run("apps without WithApps", func(t *testing.T) {
		_, err := fake.Client().Resolve(ctx, "app", "Acme Chat")
		var unknown *sdk.UnknownNameError
		require.ErrorAs(t, err, &unknown)
		assert.Contains(t, err.Error(), "OpenRouter publishes no list of apps to look a title up in: filter by the app's numeric id")
	})
	t.Run("keys come from every workspace, every page", func(t *testing.T) {
		dir, err := c.Directory(ctx, "api_key_id")
		require.NoError(t, err)
		assert.Len(t, dir, 8, "the disabled key too")
		// Default holds 3 keys, Research 2, the others 2 and 1: a page
		// holds 3, so every workspace takes its pages and one empty one.
		assert.Equal(t, 2+2+2+2, requestsTo(fake, "/keys"))
	})
}

func TestLookupsAreKeptAndRefreshed(t *testing.T) {
	t.Parallel()

	fake := analyticstest.NewServer(t)
	c := fake.Client()
	ctx := t.Context()
	for range 3 {
		_, err := c.Resolve(ctx, "workspace", "Sandbox")
		require.NoError(t, err)
	}
	assert.Equal(t, 1, requestsTo(fake, "/workspaces"), "fetched once, then kept")
	c.RefreshLookups()
	_, err := c.Resolve(ctx, "workspace", "Sandbox")
	require.NoError(t, err)
	assert.Equal(t, 2, requestsTo(fake, "/workspaces"), "fetched again after a refresh")
	_, err = c.Resolve(ctx, "workspace", "Nowhere")
	require.Error(t, err)
	assert.Equal(t, 2, requestsTo(fake, "/workspaces"), "a look-up younger than a minute is not fetched again for an unknown name")
}

func TestResolveFilters(t *testing.T) {
	t.Parallel()

	fake := analyticstest.NewServer(t)
	c := fake.Client()
	q := sdk.QueryRequest{Metrics: []string{"request_count"}, Filters: []sdk.Filter{
		sdk.In("user", "Ada Lovelace", "user_05"),
		sdk.IncludeUnset(sdk.NotIn("workspace", "Sandbox")),
		sdk.Eq("provider", "azure"),
		sdk.Gt("tokens_total", 100),
	}}
	done, err := c.ResolveFilters(t.Context(), &q)
	require.NoError(t, err)
	require.Len(t, done, 2)
	assert.Equal(t, sdk.Resolution{Filter: 0, Dimension: "user", Name: "Ada Lovelace", To: done[0].To}, done[0])
	assert.Equal(t, "user_01", done[0].To.ID)
	assert.Equal(t, sdk.In("user", "user_01", "user_05"), q.Filters[0])
	assert.Equal(t, sdk.IncludeUnset(sdk.NotIn("workspace", "3e9f4041-506d-4e8f-b0a1-2c3d4e5f6071")), q.Filters[1])
	assert.Equal(t, sdk.Eq("provider", "azure"), q.Filters[2])

	// Every bad name is said at once, and the query is left as it was.
	bad := sdk.QueryRequest{Metrics: []string{"request_count"}, Filters: []sdk.Filter{sdk.Eq("api_key_id", "CI"), sdk.Eq("user", "Nobody At All")}}
	before := sdk.Eq("api_key_id", "CI")
	_, err = c.ResolveFilters(t.Context(), &bad)
	var amb *sdk.AmbiguousNameError
	var unknown *sdk.UnknownNameError
	assert.ErrorAs(t, err, &amb)
	assert.ErrorAs(t, err, &unknown)
	assert.Contains(t, err.Error(), "filters[1]: ")
	assert.Equal(t, before, bad.Filters[0])

	// A resolved query finds what the name's rows show.
	res, err := c.QueryAnalytics(t.Context(), q)
	require.NoError(t, err)
	assert.Empty(t, res.Warnings)
	assert.NotZero(t, res.Data[0].Value("request_count"))
}

// A look-up that pages on forever costs at most MaxListed records.
func TestAListingThatNeverEnds(t *testing.T) {
	t.Parallel()

	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"data":[` + strings.Repeat(`{"hash":"h","name":"n","label":"l","disabled":false,"workspace_id":"w"},`, 999) +
			`{"hash":"h","name":"n","label":"l","disabled":false,"workspace_id":"w"}]}`))
	}))
	defer srv.Close()
	c, err := sdk.NewClient(sdk.WithAPIKey(testKey), sdk.WithBaseURL(srv.URL), sdk.WithRateLimit(0, 0)) // 1,001 requests: the count is the test
	require.NoError(t, err)
	defer c.CloseIdleConnections()
	_, err = c.ListKeys(t.Context(), sdk.UUID{})
	assert.True(t, errors.Is(err, sdk.ErrListTooLong), "%v", err)
	assert.Equal(t, int64(sdk.MaxListed/1000+1), calls.Load())
}

// A look-up that echoes the key in its names cannot make an error print it.
func TestNameErrorsAreRedacted(t *testing.T) {
	t.Parallel()

	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/workspaces" {
			_, _ = w.Write([]byte(`{"data":[{"id":"0b6c1f1e-2d3a-4b5c-8d7e-9f0a1b2c3d4e","name":"` + testKey + `","slug":"a"},` +
				`{"id":"1c7d2e2f-3e4b-4c6d-9e8f-0a1b2c3d4e5f","name":"` + testKey + `","slug":"b"}],"total_count":2}`))
			return
		}
		http.NotFound(w, r)
	}))
	defer srv.Close()
	c, err := sdk.NewClient(sdk.WithAPIKey(testKey), sdk.WithBaseURL(srv.URL))
	require.NoError(t, err)
	defer c.CloseIdleConnections()
	_, err = c.Resolve(t.Context(), "workspace", testKey)
	var amb *sdk.AmbiguousNameError
	require.ErrorAs(t, err, &amb)
	assert.NotContains(t, err.Error(), testKey)
	assert.Contains(t, err.Error(), sdk.Redacted)
	_, err = c.Resolve(t.Context(), "workspace", "nothing like it")
	require.Error(t, err)
	assert.NotContains(t, err.Error(), testKey)
}

func TestLabelIDs(t *testing.T) {
	t.Parallel()

	fake := analyticstest.NewServer(t)
	c := fake.Client()
	keys, err := c.LabelIDs(t.Context(), "api_key_id")
	require.NoError(t, err)
	id, ok := keys.ID("Production")
	assert.True(t, ok)
	assert.Len(t, id, 64)
	_, ok = keys.ID("CI")
	assert.False(t, ok, "two keys are called CI")
	assert.Len(t, keys.Shared()["CI"], 2)
	_, ok = keys.ID("nobody")
	assert.False(t, ok)

	models, err := c.LabelIDs(t.Context(), "model")
	require.NoError(t, err)
	id, ok = models.ID("OpenAI: GPT-4o")
	assert.True(t, ok)
	assert.Equal(t, "openai/gpt-4o", id)
	assert.Empty(t, models.Shared())

	apps, err := c.LabelIDs(t.Context(), "app")
	require.NoError(t, err)
	assert.Zero(t, apps.Len(), "apps have no list upstream, and this client was given none")

	_, err = c.LabelIDs(t.Context(), "country")
	var unknown *sdk.UnknownNameError
	assert.ErrorAs(t, err, &unknown)
}
