package sdk_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk/analyticstest"
)

// slowMeta answers the catalog after a second of virtual time.
func slowMeta(_ int, req *http.Request) (*http.Response, error) {
	select {
	case <-time.After(time.Second):
		return reply(200, metaBody), nil
	case <-req.Context().Done():
		return nil, req.Context().Err()
	}
}

// Twenty concurrent first calls make one request; a caller with a 50 ms
// deadline leaves at 50 ms, and the others get the catalog at 1 s.
func TestCatalogSharesOneFetch(t *testing.T) {
	t.Parallel()

	synctest.Test(t, func(t *testing.T) {
		m := newMemAPI(slowMeta)
		c := memClient(t, m)
		start := time.Now()
		var wg sync.WaitGroup
		cats := make([]*sdk.Catalog, 20)
		for i := range cats {
			wg.Go(func() {
				cat, err := c.Catalog(t.Context())
				assert.NoError(t, err)
				assert.Equal(t, time.Second, time.Since(start))
				cats[i] = cat
			})
		}
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
			defer cancel()
			_, err := c.Catalog(ctx)
			assert.ErrorIs(t, err, context.DeadlineExceeded)
			assert.Equal(t, 50*time.Millisecond, time.Since(start), "left when its own context ended")
		})
		wg.Wait()
		assert.Equal(t, 1, m.calls())
		for _, cat := range cats {
			require.NotNil(t, cat)
			assert.Same(t, cats[0], cat)
		}
		again, err := c.Catalog(t.Context())
		require.NoError(t, err)
		assert.Same(t, cats[0], again)
		assert.Equal(t, 1, m.calls(), "kept")
	})
}

// When every waiter has left, the fetch is cancelled, and the next call
// starts a new one.
func TestCatalogFetchEndsWhenNobodyWaits(t *testing.T) {
	t.Parallel()

	synctest.Test(t, func(t *testing.T) {
		m := newMemAPI(slowMeta)
		c := memClient(t, m)
		ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
		defer cancel()
		_, err := c.Catalog(ctx)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		synctest.Wait() // the abandoned fetch has ended, not retried
		assert.Equal(t, 1, m.calls())

		cat, err := c.Catalog(t.Context())
		require.NoError(t, err)
		assert.NotNil(t, cat)
		assert.Equal(t, 2, m.calls())
	})
}

// A failed fetch is not kept.
func TestCatalogFailureIsNotKept(t *testing.T) {
	t.Parallel()

	synctest.Test(t, func(t *testing.T) {
		m := newMemAPI(failing(1, 401))
		c := memClient(t, m)
		_, err := c.Catalog(t.Context())
		assert.ErrorAs(t, err, new(*sdk.UnauthorizedResponseError))
		cat, err := c.Catalog(t.Context())
		require.NoError(t, err)
		assert.NotNil(t, cat)
		assert.Equal(t, 2, m.calls())
	})
}

// The catalog is fetched again after its TTL, and once, shared, for a
// name it does not know; then the name is accepted or refused.
func TestCatalogKeepsUp(t *testing.T) {
	t.Parallel()

	synctest.Test(t, func(t *testing.T) {
		var metric atomic.Value
		metric.Store("request_count")
		m := newMemAPI(func(n int, req *http.Request) (*http.Response, error) {
			time.Sleep(10 * time.Millisecond) // virtual: lets concurrent callers meet the fetch in flight
			body := strings.Replace(metaBody, `"request_count"`, strconv.Quote(metric.Load().(string)), 1)
			return reply(200, body), nil
		})
		c := memClient(t, m, sdk.WithCatalogTTL(time.Hour))
		_, err := c.Catalog(t.Context())
		require.NoError(t, err)
		_, err = c.Catalog(t.Context())
		require.NoError(t, err)
		assert.Equal(t, 1, m.calls(), "kept within the TTL")

		time.Sleep(time.Hour)
		_, err = c.Catalog(t.Context())
		require.NoError(t, err)
		assert.Equal(t, 2, m.calls(), "fetched again after the TTL")

		// The service adds a metric; ten concurrent checks of it share one fetch.
		metric.Store("new_metric")
		q := sdk.QueryRequest{Metrics: []string{"new_metric"}}
		var wg sync.WaitGroup
		for range 10 {
			wg.Go(func() { assert.NoError(t, c.CheckQuery(t.Context(), &q)) })
		}
		wg.Wait()
		assert.Equal(t, 3, m.calls(), "one shared refresh")

		// A name that is nowhere costs one refresh, then is refused.
		q = sdk.QueryRequest{Metrics: []string{"no_such_metric"}}
		err = c.CheckQuery(t.Context(), &q)
		var ve *sdk.ValidationError
		require.ErrorAs(t, err, &ve)
		assert.Equal(t, 4, m.calls())

		_, err = c.RefreshCatalog(t.Context())
		require.NoError(t, err)
		assert.Equal(t, 5, m.calls(), "on demand")

		_, err = sdk.NewClient(sdk.WithAPIKey(testKey), sdk.WithCatalogTTL(0))
		assert.EqualError(t, err, "openrouter: invalid request: WithCatalogTTL: must be positive, got 0s")
	})
}

func TestCatalogCheck(t *testing.T) {
	t.Parallel()

	fake := analyticstest.NewServer(t)
	c := fake.Client()
	cat, err := c.Catalog(t.Context())
	require.NoError(t, err)
	again, err := c.Catalog(t.Context())
	require.NoError(t, err)
	assert.Same(t, cat, again)
	assert.Len(t, fake.Requests(), 1, "fetched once, then cached")

	assert.NoError(t, cat.Check(&sdk.QueryRequest{Metrics: []string{"request_count"}, Dimensions: []string{"model"},
		Filters: []sdk.Filter{sdk.Gt("total_usage", 1)}, Granularity: sdk.GranularityDay, OrderBy: sdk.OrderBy{Field: "date", Direction: sdk.Asc}}))
	err = cat.Check(&sdk.QueryRequest{
		Metrics: []string{"request_count", "vibes"}, Dimensions: []string{"planet"},
		Filters: []sdk.Filter{{Field: "mood", Operator: "like"}}, Granularity: "fortnight",
		OrderBy: sdk.OrderBy{Field: "total_usage", Direction: sdk.Asc},
	})
	require.Error(t, err)
	assert.Equal(t, `openrouter: invalid request: metrics[1]: "vibes" is not a metric in the catalog
openrouter: invalid request: dimensions[0]: "planet" is not a dimension in the catalog
openrouter: invalid request: filters[0].field: "mood" is not a dimension or metric in the catalog
openrouter: invalid request: filters[0].operator: "like" is not an operator in the catalog
openrouter: invalid request: granularity: "fortnight" is not a granularity in the catalog
openrouter: invalid request: order_by.field: "total_usage" is not a requested metric, request_count, a requested dimension or date`, err.Error())

	err = cat.Check(&sdk.QueryRequest{Metrics: []string{"cost", "requestcount"}, Dimensions: []string{"mdoel"},
		Filters: []sdk.Filter{sdk.Eq("provder", "openai")}, Granularity: "dya"})
	assert.Equal(t, `openrouter: invalid request: metrics[0]: "cost" is not a metric in the catalog; did you mean "total_usage"?
openrouter: invalid request: metrics[1]: "requestcount" is not a metric in the catalog; did you mean "request_count"?
openrouter: invalid request: dimensions[0]: "mdoel" is not a dimension in the catalog; did you mean "model"?
openrouter: invalid request: filters[0].field: "provder" is not a dimension or metric in the catalog; did you mean "provider"?
openrouter: invalid request: granularity: "dya" is not a granularity in the catalog`, err.Error())
	m, ok := cat.Metric("total_usage")
	assert.True(t, ok)
	assert.Equal(t, sdk.FormatCurrency, m.DisplayFormat)
}
