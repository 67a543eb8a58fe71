package sdk_test

import (
	"errors"
	"net/http"
	"sync"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
)

func TestRetryBudgetStopsRetriesAndRefills(t *testing.T) {
	t.Parallel()

	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		down := true
		m := newMemAPI(func(_ int, req *http.Request) (*http.Response, error) {
			mu.Lock()
			defer mu.Unlock()
			if down {
				return reply(503, errorBody(503, "down")), nil
			}
			return okReply(req), nil
		})
		c := memClient(t, m, sdk.WithRetryBudget(sdk.RetryBudget{Capacity: 10, RetryCost: 5}))

		_, err := c.GetAnalyticsMeta(t.Context())
		assert.ErrorIs(t, err, sdk.ErrRetryBudgetExhausted)
		assert.Equal(t, 3, m.calls(), "two retries paid, the third refused")
		assert.Equal(t, "openrouter: GET /analytics/meta: attempt 3: 503 Service Unavailable: down; before it: 503 Service Unavailable (x2); gave up: client-wide retry budget exhausted", err.Error())
		var apiErr *sdk.APIError
		require.ErrorAs(t, err, &apiErr)

		_, err = c.GetAnalyticsMeta(t.Context())
		assert.ErrorIs(t, err, sdk.ErrRetryBudgetExhausted)
		assert.Equal(t, 4, m.calls(), "a first attempt is never refused, and nothing more")

		mu.Lock()
		down = false
		mu.Unlock()
		for range 5 { // each success at once puts one token back
			_, err = c.GetAnalyticsMeta(t.Context())
			require.NoError(t, err)
		}
		mu.Lock()
		down = true
		mu.Unlock()
		before := m.calls()
		_, err = c.GetAnalyticsMeta(t.Context())
		assert.ErrorIs(t, err, sdk.ErrRetryBudgetExhausted)
		assert.Equal(t, 2, m.calls()-before, "one retry paid again")
	})
}

// The cost of an outage: 300 concurrent calls against an API that
// answers only 503. Per-call caps alone would send 1,500 requests; the
// default budget lets 100 retries through.
func TestRetryBudgetBoundsAnOutage(t *testing.T) {
	t.Parallel()
	const calls = 300 // three times the retries the default budget allows

	for _, tc := range []struct {
		name   string
		budget sdk.RetryBudget
		want   int
	}{
		{"default budget", sdk.RetryBudget{}, calls + sdk.DefaultRetryBudget().Capacity/sdk.DefaultRetryBudget().RetryCost},
		{"disabled", sdk.RetryBudget{Disabled: true}, calls * (1 + sdk.DefaultMaxRetries)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				m := newMemAPI(always(503, errorBody(503, "down")))
				c := memClient(t, m, sdk.WithRetryBudget(tc.budget))
				var wg sync.WaitGroup
				for range calls {
					wg.Go(func() {
						_, err := c.QueryAnalytics(t.Context(), simpleQuery)
						var apiErr *sdk.APIError
						assert.True(t, errors.As(err, &apiErr))
					})
				}
				wg.Wait()
				assert.Equal(t, tc.want, m.calls())
			})
		})
	}
}

func TestBadRetryBudgetIsRefused(t *testing.T) {
	t.Parallel()

	_, err := sdk.NewClient(sdk.WithAPIKey(testKey), sdk.WithRetryBudget(sdk.RetryBudget{RetryCost: -1}))
	assert.EqualError(t, err, "openrouter: invalid request: retry budget: RetryCost: must not be negative, got -1")
}

func TestDefaultRetryBudgetSpellsOutTheZeroValue(t *testing.T) {
	t.Parallel()

	assert.Equal(t, sdk.RetryBudget{Capacity: 500, RetryCost: 5, TimeoutCost: 10, Refill: 1}, sdk.DefaultRetryBudget())
}
