package sdk_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
)

// WithResponseInto tells a success's facts without a custom doer, and is
// refused on a client.
func TestResponseInto(t *testing.T) {
	t.Parallel()

	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Request-Id", "req-42")
		okHandler(w, r)
	})
	var info sdk.ResponseInfo
	_, err := newClient(t, s.URL).QueryAnalytics(t.Context(), simpleQuery, sdk.WithResponseInto(&info))
	require.NoError(t, err)
	assert.Equal(t, sdk.ResponseInfo{StatusCode: 200, Header: info.Header, RequestID: "req-42", Attempts: 1}, info)
	assert.Equal(t, "application/json", info.Header.Get("Content-Type"))

	_, err = sdk.NewClient(sdk.WithAPIKey(testKey), sdk.WithResponseInto(&info))
	assert.EqualError(t, err, "openrouter: invalid request: WithResponseInto: is a per-call option; pass it to the call")
}
