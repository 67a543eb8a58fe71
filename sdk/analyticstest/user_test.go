package analyticstest_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk/analyticstest"
)

// TestUsersRetryTest is the test docs/testing.md shows a user writing.
func TestUsersRetryTest(t *testing.T) {
	t.Parallel()

	fake := analyticstest.NewServer(t)
	fake.Script(analyticstest.RetryAfter(429, "0"), analyticstest.Status(503))

	client := fake.Client(sdk.WithBackoff(sdk.BackoffStrategy{InitialInterval: time.Millisecond, MaxInterval: 10 * time.Millisecond}))
	res, err := client.QueryAnalytics(t.Context(), sdk.QueryRequest{
		Metrics:    []string{"request_count"},
		Dimensions: []string{"model"},
		OrderBy:    sdk.OrderBy{Field: "request_count", Direction: sdk.Desc},
		Limit:      3,
	})
	require.NoError(t, err)
	assert.Equal(t, "openai/gpt-4o", res.Data[0].Value("model"))
	assert.Len(t, fake.Requests(), 3)
}
