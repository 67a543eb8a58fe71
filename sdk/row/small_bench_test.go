package row

import "testing"

func BenchmarkSmallRows(b *testing.B) {
	body := []byte(`[{"date__day":"2025-01-01T00:00:00.000Z","model":"openai/gpt-4o","provider":"OpenAI","request_count":1500,"total_usage":12.5,"avg_latency":321.5},{"date__day":"2025-01-01T00:00:00.000Z","model":"anthropic/claude","provider":"Anthropic","request_count":15,"total_usage":1.5,"avg_latency":21.5},{"date__day":"2025-01-02T00:00:00.000Z","model":"openai/gpt-4o","provider":"OpenAI","request_count":100,"total_usage":2.5,"avg_latency":300}]`)
	b.ReportAllocs()
	for b.Loop() {
		var rs Rows
		if err := rs.UnmarshalJSON(body); err != nil {
			b.Fatal(err)
		}
	}
}
