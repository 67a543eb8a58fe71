package analyticstest

import (
	"math"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
)

// Every figure of a review on the fake, computed again from the fake's
// generations one by one.
func TestReviewAgainstTheGenerations(t *testing.T) {
	t.Parallel()

	for _, v := range Variants() {
		t.Run(v.Name, func(t *testing.T) { testReview(t, v) })
	}
}

func testReview(t *testing.T, v Variant) {
	fake := NewServer(t, v.Options...)
	c := fake.Client()
	rv, err := c.Review(t.Context(), sdk.ReviewRequest{Now: DefaultEnd})
	require.NoError(t, err)
	may := sdk.TimeRange{Start: time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)}
	require.Equal(t, may, rv.TimeRange, "the last full month")

	d := datasetFor(fake.data)
	lo, hi := uint32(may.Start.Sub(d.start)/time.Minute), uint32(may.End.Sub(d.start)/time.Minute)
	type sums struct{ usage, tokens, prompt, completion, reasoning, requests, cached float64 }
	add := func(s *sums, i int) {
		s.usage += float64(d.costMicros[i]) / 1e6
		s.tokens += float64(d.promptTokens[i] + d.completionTokens[i])
		s.prompt += float64(d.promptTokens[i])
		s.completion += float64(d.completionTokens[i])
		s.reasoning += float64(d.reasoningTokens[i])
		s.requests++
		if d.cachedTokens[i] > 0 {
			s.cached++
		}
	}
	var total sums
	byModel := map[string]*sums{}
	byModelKey := map[[2]string]*sums{} // model id, key hash
	parts := map[string]float64{}
	for i := range d.len() {
		if d.minute[i] < lo || d.minute[i] >= hi {
			continue
		}
		add(&total, i)
		m := models[d.dims[dimModel][i]]
		if byModel[m] == nil {
			byModel[m] = &sums{}
		}
		add(byModel[m], i)
		k := [2]string{m, apiKeys[d.dims[dimAPIKey][i]].hash}
		if byModelKey[k] == nil {
			byModelKey[k] = &sums{}
		}
		add(byModelKey[k], i)
		s := d.spendOf(i)
		parts["usage_upstream"] += float64(s.upstream) / 1e6
		parts["usage_cache"] += float64(s.cache) / 1e6
		parts["usage_data"] += float64(s.data) / 1e6
		parts["usage_web"] += float64(s.web) / 1e6
		parts["usage_file"] += float64(s.file) / 1e6
		parts["usage_web_fetch"] += float64(s.webFetch) / 1e6
	}
	const cent = 0.005
	assert.InDelta(t, total.usage, rv.Total.Usage, cent)
	assert.Equal(t, total.tokens, rv.Total.Tokens)
	assert.Equal(t, total.prompt, rv.Total.PromptTokens)
	assert.Equal(t, total.completion, rv.Total.CompletionTokens)
	assert.Equal(t, total.reasoning, rv.Total.ReasoningTokens)
	assert.Equal(t, total.requests, rv.Total.Requests)
	assert.InDelta(t, total.cached/total.requests, rv.Total.CacheHitRate, 1e-4)
	blended := total.usage / total.tokens * 1e6
	assert.InDelta(t, blended, rv.Total.PerMTok(), 1e-6)
	assert.InDelta(t, sdk.DefaultFlagRatio*blended, rv.FlagAbove, 1e-6)

	require.Len(t, rv.Models, len(byModel))
	flagged := 0
	for i, m := range rv.Models {
		want := byModel[m.ID]
		require.NotNil(t, want, "model %q (%s)", m.Model, m.ID)
		assert.InDelta(t, want.usage, m.Usage, cent, m.ID)
		assert.Equal(t, want.tokens, m.Tokens, m.ID)
		assert.Equal(t, want.requests, m.Requests, m.ID)
		assert.InDelta(t, want.cached/want.requests, m.CacheHitRate, 1e-4, m.ID)
		if i > 0 {
			assert.GreaterOrEqual(t, rv.Models[i-1].Usage, m.Usage, "by spend")
		}
		perMTok := want.usage / want.tokens * 1e6
		assert.Equal(t, perMTok >= sdk.DefaultFlagRatio*blended, m.Flagged, "%s at $%.2f/Mtok against %.2f", m.ID, perMTok, blended)
		if !m.Flagged {
			assert.False(t, m.Drilled)
			continue
		}
		flagged++
		require.True(t, m.Drilled)
		keyTotal := 0.0
		ci := 0
		for _, k := range m.Keys {
			w := byModelKey[[2]string{m.ID, k.ID}]
			require.NotNil(t, w, "key %q (%s) on %s", k.Label, k.ID, m.ID)
			assert.InDelta(t, w.usage, k.Usage, cent)
			assert.Equal(t, w.requests, k.Requests)
			keyTotal += k.Usage
			if k.Label == "CI" {
				ci++
			}
		}
		assert.InDelta(t, m.Usage, keyTotal, cent, "the keys add up to the model")
		assert.Equal(t, 2, ci, "the two keys called CI are two lines")
		assert.NotEmpty(t, m.Users, "the fake's generations have users")
		for _, list := range [][]sdk.Spender{m.Apps, m.Users} {
			sum := 0.0
			for _, s := range list {
				sum += s.Usage
			}
			assert.InDelta(t, m.Usage, sum, cent, "apps and users add up, those without one too")
		}
	}
	assert.Positive(t, flagged, "some of the fake's models cost well above the blend")

	partTotal := 0.0
	require.Len(t, rv.Parts, len(parts))
	for _, p := range rv.Parts {
		assert.InDelta(t, parts[p.Metric], p.Usage, cent, p.Metric)
		partTotal += p.Usage
	}
	assert.InDelta(t, rv.Total.Usage, partTotal, cent, "the parts add up")
	assert.Negative(t, parts["usage_data"])
	assert.Empty(t, rv.Missing)

	// What it costs: 3 queries, 3 a drilled model and 2 a drill into
	// keys (the two called CI), each one request.
	assert.Len(t, rv.Queries, 3+5*flagged)
	assert.Equal(t, len(rv.Queries), rv.Requests)
	for _, q := range rv.Queries {
		assert.Equal(t, may, q.TimeRange)
	}
	assert.False(t, math.IsNaN(rv.Total.PromptRatio()))
}

func TestReviewRefusesNonsense(t *testing.T) {
	t.Parallel()

	c := NewServer(t).Client()
	for _, r := range []sdk.ReviewRequest{{FlagRatio: 0.5}, {FlagRatio: -3}, {FlagRatio: math.NaN()}, {FlagRatio: math.Inf(1)}} {
		_, err := c.Review(t.Context(), r)
		var ve *sdk.ValidationError
		require.ErrorAs(t, err, &ve, "%+v", r)
	}
	// A period the service keeps no data for is an empty review, not an error.
	rv, err := c.Review(t.Context(), sdk.ReviewRequest{Now: time.Date(2020, 3, 15, 0, 0, 0, 0, time.UTC)})
	require.NoError(t, err)
	assert.Zero(t, rv.Total)
	assert.Empty(t, rv.Models)
}

// A service without the look-ups still gets its review: the keys are
// told apart by name only, said in a warning, and the spend adds up.
func TestReviewWithoutLookups(t *testing.T) {
	t.Parallel()

	h := NewHandler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/keys", "/workspaces", "/organization/members", "/models":
			status, body := errorBody(http.StatusNotFound, "Not Found")
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			_, _ = w.Write(body)
			return
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	c, err := sdk.NewClient(sdk.WithAPIKey(ManagementKey), sdk.WithBaseURL(srv.URL))
	require.NoError(t, err)
	rv, err := c.Review(t.Context(), sdk.ReviewRequest{Now: DefaultEnd, MaxDrillDowns: 1})
	require.NoError(t, err)
	require.NotEmpty(t, rv.Warnings)
	assert.Contains(t, rv.Warnings[0], "the ids of model are unknown: its look-up failed:")
	m := rv.Models[1]
	require.True(t, m.Drilled, "the service's rows show permaslugs, which filters take")
	assert.Equal(t, "anthropic/claude-3.5-sonnet", m.ID)
	total := 0.0
	for _, k := range m.Keys {
		assert.Empty(t, k.ID)
		total += k.Usage
	}
	assert.InDelta(t, m.Usage, total, 0.005)
	c.CloseIdleConnections()
}
