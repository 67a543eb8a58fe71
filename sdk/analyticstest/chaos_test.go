package analyticstest_test

import (
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk/analyticstest"
)

// Each chaos fault, alone and on every request, gives the client the
// error it stands for.
func TestChaosFaults(t *testing.T) {
	t.Parallel()

	q := sdk.QueryRequest{Metrics: []string{"request_count"}, Dimensions: []string{"model"}}
	for _, tc := range []struct {
		fault analyticstest.ChaosFault
		check func(t *testing.T, err error)
	}{
		{analyticstest.Chaos503, status(503)},
		{analyticstest.Chaos429, func(t *testing.T, err error) {
			var rl *sdk.RateLimitError
			require.ErrorAs(t, err, &rl)
			assert.Equal(t, 7*time.Second, rl.RetryAfter)
		}},
		{analyticstest.ChaosHTML500, status(500)},
		{analyticstest.ChaosResetBeforeHeaders, connectionError},
		{analyticstest.ChaosResetMidBody, connectionError},
		{analyticstest.ChaosTruncatedBody, status(200)},
		{analyticstest.ChaosDelay, attemptTimeout},
		{analyticstest.ChaosTrickle, attemptTimeout},
	} {
		t.Run(string(tc.fault), func(t *testing.T) {
			fake := analyticstest.NewServer(t, analyticstest.WithChaos(analyticstest.ChaosConfig{
				Rate: 1, Faults: []analyticstest.ChaosFault{tc.fault}, RetryAfter: "7", TrickleInterval: 50 * time.Millisecond,
			}))
			c := fake.Client(sdk.WithMaxRetries(0), sdk.WithAttemptTimeout(300*time.Millisecond))
			_, err := c.QueryAnalytics(t.Context(), q)
			tc.check(t, err)
			reqs := fake.Requests()
			require.Len(t, reqs, 1)
			assert.Equal(t, string(tc.fault), reqs[0].Fault)
		})
	}
}

func status(code int) func(*testing.T, error) {
	return func(t *testing.T, err error) {
		var apiErr *sdk.APIError
		require.ErrorAs(t, err, &apiErr)
		assert.Equal(t, code, apiErr.StatusCode)
	}
}

func connectionError(t *testing.T, err error) {
	require.Error(t, err)
	var apiErr *sdk.APIError
	assert.NotErrorAs(t, err, &apiErr)
	assert.Contains(t, err.Error(), "openrouter: POST /analytics/query: ")
}

func attemptTimeout(t *testing.T, err error) {
	var timeout *sdk.AttemptTimeoutError
	require.ErrorAs(t, err, &timeout)
}

// The same seed draws the same faults; the rate is kept; Observe sees
// every request; a zero config ends chaos mode.
func TestChaosIsSeededAndObserved(t *testing.T) {
	t.Parallel()

	run := func(seed uint64) []string {
		var mu sync.Mutex
		observed := map[analyticstest.ChaosFault]int{}
		fake := analyticstest.NewServer(t, analyticstest.WithChaos(analyticstest.ChaosConfig{
			Seed: seed, Rate: 0.5,
			Faults: []analyticstest.ChaosFault{analyticstest.Chaos503, analyticstest.Chaos429, analyticstest.ChaosHTML500},
			Observe: func(r *http.Request, f analyticstest.ChaosFault) {
				mu.Lock()
				observed[f]++
				mu.Unlock()
			},
		}))
		c := fake.Client(sdk.WithMaxRetries(0))
		for range 200 {
			_, _ = c.GetAnalyticsMeta(t.Context())
		}
		var faults []string
		for _, r := range fake.Requests() {
			faults = append(faults, r.Fault)
		}
		counts := map[string]int{}
		for _, f := range faults {
			counts[f]++
		}
		assert.InDelta(t, 100, counts[""], 25, "about half get no fault")
		for _, f := range []string{"503", "429", "500-html"} {
			assert.Positive(t, counts[f], f)
			assert.Equal(t, counts[f], observed[analyticstest.ChaosFault(f)])
		}

		fake.SetChaos(analyticstest.ChaosConfig{})
		_, err := c.GetAnalyticsMeta(t.Context())
		assert.NoError(t, err, "chaos off")
		return faults
	}
	a, b := run(42), run(42)
	assert.Equal(t, a, b, "replayed")
	assert.NotEqual(t, a, run(43))
}
