package sdk_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
)

func TestHeaders(t *testing.T) {
	t.Parallel()

	s := newServer(t, okHandler)
	c := newClient(t, s.URL,
		sdk.WithHTTPReferer("https://example.com/app"),
		sdk.WithAppTitle("Example App"),
		sdk.WithAppCategories("cli-agent", "cloud-agent"),
		sdk.WithUserAgentSuffix("example/1.0"))

	_, err := c.GetAnalyticsMeta(t.Context())
	require.NoError(t, err)
	_, err = c.QueryAnalytics(t.Context(), simpleQuery,
		sdk.WithHTTPReferer("https://override.example"),
		sdk.WithAppTitle("Override"),
		sdk.WithAppCategories("programming-app"))
	require.NoError(t, err)

	reqs := s.requests()
	require.Len(t, reqs, 2)
	for _, r := range reqs {
		assert.Equal(t, "Bearer "+testKey, r.Header.Get("Authorization"))
		assert.Equal(t, "application/json", r.Header.Get("Accept"))
		assert.Regexp(t, `^openrouter-analytics-go/`+sdk.Version+` \(go[^;]+; [a-z0-9]+/[a-z0-9]+\) example/1\.0$`, r.Header.Get("User-Agent"))
	}
	assert.Equal(t, "https://example.com/app", reqs[0].Header.Get("HTTP-Referer"))
	assert.Equal(t, "Example App", reqs[0].Header.Get("X-OpenRouter-Title"))
	assert.Equal(t, "cli-agent,cloud-agent", reqs[0].Header.Get("X-OpenRouter-Categories"))
	assert.Equal(t, "https://override.example", reqs[1].Header.Get("HTTP-Referer"))
	assert.Equal(t, "Override", reqs[1].Header.Get("X-OpenRouter-Title"))
	assert.Equal(t, "programming-app", reqs[1].Header.Get("X-OpenRouter-Categories"))
}

func TestUnsetAppHeadersAreNotSent(t *testing.T) {
	t.Parallel()

	s := newServer(t, okHandler)
	c := newClient(t, s.URL)
	_, err := c.GetAnalyticsMeta(t.Context())
	require.NoError(t, err)
	h := s.requests()[0].Header
	for _, name := range []string{"HTTP-Referer", "X-OpenRouter-Title", "X-OpenRouter-Categories", "X-Title"} {
		_, present := h[http.CanonicalHeaderKey(name)]
		assert.False(t, present, name)
	}
}

func TestHeaderInjectionRefused(t *testing.T) {
	t.Parallel()

	s := newServer(t, okHandler)
	for name, opt := range map[string]sdk.CallOption{
		"HTTP-Referer":            sdk.WithHTTPReferer("https://x\r\nX-Evil: 1"),
		"X-OpenRouter-Title":      sdk.WithAppTitle("title\nX-Evil: 1"),
		"X-OpenRouter-Categories": sdk.WithAppCategories("a\rb"),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := sdk.NewClient(sdk.WithAPIKey(testKey), opt)
			var ve *sdk.ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, name+" header", ve.Field)

			c := newClient(t, s.URL)
			_, err = c.GetAnalyticsMeta(t.Context(), opt)
			require.ErrorAs(t, err, &ve)
			assert.Contains(t, err.Error(), name+" header: contains control character U+000")
		})
	}
	_, err := sdk.NewClient(sdk.WithAPIKey(testKey), sdk.WithUserAgentSuffix("x\ny"))
	assert.EqualError(t, err, "openrouter: invalid request: User-Agent header: contains control character U+000A")
	_, err = sdk.NewClient(sdk.WithAPIKey(testKey[:9] + "\r\n" + testKey[9:]))
	require.Error(t, err)
	assert.NotContains(t, err.Error(), testKey[9:])
	assert.Empty(t, s.requests(), "nothing may be sent")
}
