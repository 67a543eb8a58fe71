package benchmarks

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The benchmarks' payload is what the issue asks for: rows with a date
// bucket, two dimensions and four metrics, about 190 bytes each.
func TestPayload(t *testing.T) {
	body := payload(1000)
	var res baselineResponse
	require.NoError(t, json.Unmarshal(body, &res))
	require.Len(t, res.Data.Data, 1000)
	assert.Equal(t, 1000, res.Data.Metadata.RowCount)
	assert.Len(t, res.Data.Data[0], 7)
	perRow := len(body) / 1000
	assert.InDelta(t, 190, perRow, 20)
}
