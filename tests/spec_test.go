package tests

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/a2d11fc8/openrouter-analytics-go/openapi"
)

func TestSpecLoadsAndValidates(t *testing.T) {
	t.Parallel()

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

// Example validation is on: a broken example fails Validate, so the test
// above proves every example in the spec fits its schema.
func TestSpecExampleValidationCatchesABrokenExample(t *testing.T) {
	t.Parallel()

	raw, err := os.ReadFile("../openapi/analytics.yaml")
	require.NoError(t, err)
	broken := strings.Replace(string(raw), "display_format: currency}", "display_format: dollars}", 1)
	require.NotEqual(t, string(raw), broken)
	doc, err := openapi3.NewLoader().LoadFromData([]byte(broken))
	require.NoError(t, err)
	err = doc.Validate(context.Background(), openapi3.EnableExamplesValidation())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "dollars")
}

// Every example the contract lists is in the spec.
func TestSpecHasTheContractsExamples(t *testing.T) {
	t.Parallel()

	doc, err := openapi3.NewLoader().LoadFromFile("../openapi/analytics.yaml")
	require.NoError(t, err)
	query := doc.Paths.Find("/analytics/query").Post
	assert.NotNil(t, query.RequestBody.Value.Content["application/json"].Example)
	assert.NotNil(t, query.Responses.Status(200).Value.Content["application/json"].Example)
	for code, msg := range map[int]string{400: "Invalid request parameters", 401: "Missing Authentication header",
		403: "Only management keys can perform this operation", 408: "Operation timed out. Please try again later.", 500: "Internal Server Error"} {
		resp := query.Responses.Status(code)
		require.NotNil(t, resp, code)
		ex := resp.Value.Content["application/json"].Example.(map[string]any)
		assert.Equal(t, msg, ex["error"].(map[string]any)["message"], code)
	}
	meta := doc.Paths.Find("/analytics/meta").Get
	for _, code := range []int{200, 401, 403, 500} {
		assert.NotNil(t, meta.Responses.Status(code), code)
	}
	assert.NotNil(t, meta.Responses.Default())
	assert.NotNil(t, query.Responses.Default())
}

// routerAt loads the embedded spec, checks it, and routes its operations
// at serverURL (a test server's, not openrouter.ai).
func routerAt(tb testing.TB, serverURL string) routers.Router {
	tb.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(openapi.Spec)
	if err != nil {
		tb.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		tb.Fatal(err)
	}
	doc.Servers = openapi3.Servers{{URL: serverURL}}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		tb.Fatal(err)
	}
	return router
}

// The Row schema describes the service as its guides show it, and still
// the spec's own example: flat values, counts as numbers or strings,
// nulls; a nested value is a violation.
func TestRowSchemaDescribesTheService(t *testing.T) {
	t.Parallel()

	doc, err := openapi3.NewLoader().LoadFromData(openapi.Spec)
	require.NoError(t, err)
	schema := doc.Components.Schemas["Row"].Value
	for _, ok := range []string{
		`{"date__day":"2025-01-01T00:00:00.000Z","model":"openai/gpt-4o","request_count":1500}`,
		`{"created_at__day":"2026-05-19","user":null,"user_email":"ops-bot@example.com","request_count":"1523","total_usage":12.5,"usage_web":null}`,
		`{"date__hour":"2026-05-19 13:00:00","flag":true}`,
	} {
		var v any
		require.NoError(t, json.Unmarshal([]byte(ok), &v))
		assert.NoError(t, schema.VisitJSON(v), ok)
	}
	for _, bad := range []string{`{"tags":["a"]}`, `{"nested":{"a":1}}`} {
		var v any
		require.NoError(t, json.Unmarshal([]byte(bad), &v))
		assert.Error(t, schema.VisitJSON(v), bad)
	}
}
