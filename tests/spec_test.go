package tests

import (
	"context"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSpecLoadsAndValidates(t *testing.T) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile("../openapi/analytics.yaml")
	require.NoError(t, err)
	require.NoError(t, doc.Validate(context.Background(), openapi3.EnableExamplesValidation()))

	assert.Equal(t, "3.0.3", doc.OpenAPI)
	assert.Equal(t, "https://openrouter.ai/api/v1", doc.Servers[0].URL)
	assert.Equal(t, "getAnalyticsMeta", doc.Paths.Find("/analytics/meta").Get.OperationID)
	assert.Equal(t, "queryAnalytics", doc.Paths.Find("/analytics/query").Post.OperationID)
	assert.Equal(t, "bearer", doc.Components.SecuritySchemes["bearerAuth"].Value.Scheme)
}
