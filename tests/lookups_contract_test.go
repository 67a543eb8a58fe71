package tests

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk/analyticstest"
)

// The four look-ups' traffic (every page of them) validates against the
// spec both ways, and what the SDK decodes is every record the fake has.
func TestLookupsContract(t *testing.T) {
	t.Parallel()

	c := newContract(t)
	ctx := t.Context()

	spaces, err := c.client.ListWorkspaces(ctx)
	require.NoError(t, err)
	assert.Len(t, spaces, 4)
	members, err := c.client.ListMembers(ctx)
	require.NoError(t, err)
	assert.Len(t, members, 40)
	models, err := c.client.ListModels(ctx)
	require.NoError(t, err)
	assert.Len(t, models, 16)
	keys := 0
	for _, w := range spaces {
		ks, err := c.client.ListKeys(ctx, w.ID)
		require.NoError(t, err)
		keys += len(ks)
	}
	def, err := c.client.ListKeys(ctx, sdk.UUID{})
	require.NoError(t, err)
	assert.Len(t, def, 3, "the default workspace's")
	assert.Equal(t, 8, keys, "every key, the disabled one too")
	n := c.verify(t)
	assert.GreaterOrEqual(t, n, 3+4*2, "one request each for workspaces, members and models; two pages or more a workspace of keys")

	// Resolving names goes through the same look-ups.
	res, err := c.client.Resolve(ctx, "api_key_id", "Production")
	require.NoError(t, err)
	assert.Len(t, res.ID, 64)
	c.verify(t)

	// An ordinary key may not list keys.
	_, err = c.fake.Client(sdk.WithAPIKey(analyticstest.OrdinaryKey)).ListWorkspaces(ctx)
	var forbidden *sdk.ForbiddenResponseError
	require.ErrorAs(t, err, &forbidden)
	assert.True(t, strings.Contains(err.Error(), "GET /workspaces"))
}
