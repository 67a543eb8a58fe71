package sdk_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
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
