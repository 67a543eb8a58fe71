package analyticstest

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
)

// The service takes time_range timestamps with seconds only; the fake
// refuses one without, with a 400 that names it.
func TestTimesWithoutSecondsAreRefused(t *testing.T) {
	t.Parallel()

	fake := NewServer(t, WithViolationHandler(func(error) {}))
	for _, ts := range []string{"2025-05-01T00:00Z", "2025-05-01T00:00+02:00", "2025-05-01"} {
		body := `{"metrics":["request_count"],"time_range":{"start":"` + ts + `","end":"2025-06-01T00:00:00Z"}}`
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, fake.URL+"/analytics/query", strings.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+ManagementKey)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		msg, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "%s: %s", ts, msg)
		assert.Contains(t, string(msg), "time_range", ts)
	}
}

// The SDK always sends seconds, and UTC: a time given with an offset
// goes as the same instant in UTC.
func TestTheSDKSendsSeconds(t *testing.T) {
	t.Parallel()

	fake := NewServer(t)
	c := fake.Client()
	paris := time.FixedZone("CEST", 2*3600)
	for _, tr := range []sdk.TimeRange{
		{Start: time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2025, 5, 2, 0, 0, 0, 0, time.UTC)},
		{Start: time.Date(2025, 5, 1, 12, 30, 0, 0, paris), End: time.Date(2025, 5, 1, 13, 0, 0, 0, paris)},
	} {
		_, err := c.QueryAnalytics(t.Context(), sdk.QueryRequest{Metrics: []string{"request_count"}, TimeRange: tr})
		require.NoError(t, err)
		reqs := fake.Requests()
		body := string(reqs[len(reqs)-1].Body)
		assert.Regexp(t, `"start":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z"`, body)
		assert.Regexp(t, `"end":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z"`, body)
	}
}
