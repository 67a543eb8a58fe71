package benchmarks

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The benchmarks' payloads are what the issues ask for: rows with a date
// bucket, two dimensions and four metrics, about 190 bytes each; the
// service's with counts as strings, bare dates, user_email and nulls.
func TestPayload(t *testing.T) {
	t.Parallel()

	for _, shape := range shapes {
		body := payload(shape, 1000)
		var res baselineResponse
		require.NoError(t, json.Unmarshal(body, &res), shape)
		require.Len(t, res.Data.Data, 1000)
		assert.Equal(t, 1000, res.Data.Metadata.RowCount)
		perRow := len(body) / 1000
		assert.InDelta(t, 190, perRow, 25, shape)
	}
	var svc baselineTyped[baselineServiceRow]
	require.NoError(t, json.Unmarshal(payload(shapeService, 14), &svc))
	r := svc.Data.Data[1]
	assert.Equal(t, "2025-01-01", r.Day, "a bare date")
	assert.Equal(t, int64(1001), r.Requests, "a count as a string")
	assert.Nil(t, svc.Data.Data[5].User, "a user without a name")
	assert.Nil(t, svc.Data.Data[7].CacheHitRate, "a null metric")
	var meta baselineMeta
	require.NoError(t, json.Unmarshal(metaBody(), &meta))
	assert.Len(t, meta.Data.Metrics, 34)
}
