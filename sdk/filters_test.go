package sdk_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
)

type providerName string

func TestFilterConstructors(t *testing.T) {
	t.Parallel()

	cases := []struct {
		filter sdk.Filter
		want   string
	}{
		{sdk.Eq("model", "openai/gpt-4o"), `{"field":"model","operator":"eq","value":"openai/gpt-4o"}`},
		{sdk.Neq("app", 42), `{"field":"app","operator":"neq","value":42}`},
		{sdk.Gt("cost", 0.5), `{"field":"cost","operator":"gt","value":0.5}`},
		{sdk.Gte("tokens", uint16(7)), `{"field":"tokens","operator":"gte","value":7}`},
		{sdk.Lt("latency", float32(1.5)), `{"field":"latency","operator":"lt","value":1.5}`},
		{sdk.Lte("latency", int64(-3)), `{"field":"latency","operator":"lte","value":-3}`},
		{sdk.In("provider", providerName("openai"), "anthropic"), `{"field":"provider","operator":"in","value":["openai","anthropic"]}`},
		{sdk.IncludeUnset(sdk.NotIn("app", 1, 2)), `{"field":"app","operator":"not_in","value":[1,2],"include_unset":true}`},
		{sdk.In[string]("model"), `{"field":"model","operator":"in","value":[]}`},
	}
	for _, tc := range cases {
		got, err := json.Marshal(tc.filter)
		require.NoError(t, err)
		assert.JSONEq(t, tc.want, string(got))
	}
}

func TestNewFilter(t *testing.T) {
	t.Parallel()

	f, err := sdk.NewFilter("api_key_id", sdk.OpIn, []any{"abc", 12, 3.5})
	require.NoError(t, err)
	got, _ := json.Marshal(f)
	assert.JSONEq(t, `{"field":"api_key_id","operator":"in","value":["abc",12,3.5]}`, string(got))

	f, err = sdk.NewFilter("cost", sdk.OpGt, 2)
	require.NoError(t, err)
	got, _ = json.Marshal(f)
	assert.JSONEq(t, `{"field":"cost","operator":"gt","value":2}`, string(got))

	_, err = sdk.NewFilter("model", sdk.OpIn, []any{"a", true})
	assert.EqualError(t, err, "openrouter: invalid request: value[1]: bool is not a string or a number")
	_, err = sdk.NewFilter("model", sdk.OpEq, map[string]int{})
	assert.EqualError(t, err, "openrouter: invalid request: value: map[string]int is not a string or a number")
}
