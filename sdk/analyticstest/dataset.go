package analyticstest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
)

// member is one value of a dimension: the id filters take and the label
// rows show.
type member struct {
	id    any // string or float64, as in a filter's JSON value
	hash  string
	label string
	email string // a user's; the service shows it beside the label
	named bool   // a user with a name: without one, the service's label is null
}

// dimension is a group-by column. When unsettable, member 0 stands for
// "unset": such rows show null and match only include_unset.
type dimension struct {
	name, label string
	members     []member
	unsettable  bool
}

func strMembers(ids ...string) []member {
	ms := make([]member, len(ids))
	for i, id := range ids {
		ms[i] = member{id: id, label: id}
	}
	return ms
}

func labelled(idLabel ...any) []member {
	var ms []member
	for i := 0; i < len(idLabel); i += 2 {
		ms = append(ms, member{id: idLabel[i], label: idLabel[i+1].(string)})
	}
	return ms
}

var unset = member{label: ""}

var models = []string{
	"openai/gpt-4o", "anthropic/claude-3.5-sonnet", "google/gemini-2.0-flash-001", "openai/gpt-4o-mini",
	"deepseek/deepseek-chat", "anthropic/claude-3.7-sonnet", "meta-llama/llama-3.3-70b-instruct", "google/gemini-2.5-pro",
	"deepseek/deepseek-r1", "mistralai/mistral-large", "qwen/qwen-2.5-72b-instruct", "x-ai/grok-2",
	"openai/o3-mini", "cohere/command-r-plus", "amazon/nova-pro-v1", "microsoft/phi-4",
}

// modelProviders says which providers serve each model, by index into providers.
var modelProviders = [][]int{
	{0, 1}, {2, 3, 4}, {5, 6}, {0, 1}, {7, 8, 9}, {2, 3, 4}, {8, 9, 10, 11}, {5, 6},
	{7, 8, 9}, {12}, {8, 9, 11}, {13}, {0, 1}, {14, 3}, {3}, {1, 9},
}

// providers are not enriched: rows show the slug their filters take.
var providers = strMembers(
	"openai", "azure", "anthropic", "amazon-bedrock", "google-vertex", "google-ai-studio", "vertex-fallback",
	"deepseek", "together", "deepinfra", "groq", "fireworks", "mistral", "xai", "cohere",
)

// modelNames are the display names rows show for models (enriched: their
// filters take the permaslug), as the models look-up lists them.
var modelNames = map[string]string{
	"openai/gpt-4o": "OpenAI: GPT-4o", "anthropic/claude-3.5-sonnet": "Anthropic: Claude 3.5 Sonnet",
	"google/gemini-2.0-flash-001": "Google: Gemini 2.0 Flash", "openai/gpt-4o-mini": "OpenAI: GPT-4o-mini",
	"deepseek/deepseek-chat": "DeepSeek: DeepSeek V3", "anthropic/claude-3.7-sonnet": "Anthropic: Claude 3.7 Sonnet",
	"meta-llama/llama-3.3-70b-instruct": "Meta: Llama 3.3 70B Instruct", "google/gemini-2.5-pro": "Google: Gemini 2.5 Pro",
	"deepseek/deepseek-r1": "DeepSeek: R1", "mistralai/mistral-large": "Mistral Large",
	"qwen/qwen-2.5-72b-instruct": "Qwen2.5 72B Instruct", "x-ai/grok-2": "xAI: Grok 2",
	"openai/o3-mini": "OpenAI: o3 Mini", "cohere/command-r-plus": "Cohere: Command R+",
	"amazon/nova-pro-v1": "Amazon: Nova Pro 1.0", "microsoft/phi-4": "Microsoft: Phi 4",
}

func modelMembers() []member {
	ms := make([]member, len(models))
	for i, id := range models {
		ms[i] = member{id: id, label: modelNames[id]}
	}
	return ms
}

// keyNames are the API keys' names and workspaces (indexes into the
// workspace dimension). Two keys are called "CI", in two workspaces: rows
// show the same name for both, and only their hashes tell them apart.
var keyNames = []struct {
	name      string
	workspace int
}{
	{"Production", 0}, {"Staging", 0}, {"CI", 0}, {"Batch jobs", 2}, {"Research", 1}, {"Mobile app", 2}, {"Internal tools", 3}, {"CI", 1},
}

var apiKeys = func() []member {
	ms := make([]member, len(keyNames))
	for i, k := range keyNames {
		seed := "analyticstest key " + k.name
		if i == 7 {
			seed += " (Research)" // the second "CI"
		}
		sum := sha256.Sum256([]byte(seed))
		ms[i] = member{id: float64(501 + i), hash: hex.EncodeToString(sum[:]), label: k.name}
	}
	return ms
}()

// people are the members' first and last names, by user id (user_01 is
// the first); user_07 has none, and rows show the email instead.
var firstNames = []string{"Ada", "Grace", "Alan", "Katherine", "Edsger", "Barbara", "", "Donald", "Frances", "Ken",
	"Margaret", "Dennis", "Radia", "Niklaus", "Sophie", "John", "Hedy", "Tim", "Shafi", "Leslie",
	"Joan", "Guido", "Adele", "Bjarne", "Mary", "Linus", "Anita", "Rob", "Jean", "Yukihiro",
	"Lynn", "James", "Annie", "Brian", "Karen", "Robin", "Evelyn", "Fernando", "Carol", "Vint"}
var lastNames = []string{"Lovelace", "Hopper", "Turing", "Johnson", "Dijkstra", "Liskov", "", "Knuth", "Allen", "Thompson",
	"Hamilton", "Ritchie", "Perlman", "Wirth", "Wilson", "Backus", "Lamarr", "Berners-Lee", "Goldwasser", "Lamport",
	"Clarke", "van Rossum", "Goldberg", "Stroustrup", "Keller", "Torvalds", "Borg", "Pike", "Sammet", "Matsumoto",
	"Conway", "Gosling", "Easley", "Kernighan", "Spärck Jones", "Milner", "Berezin", "Corbató", "Shaw", "Cerf"}

func userEmail(i int) string {
	if firstNames[i] == "" {
		return fmt.Sprintf("ops-bot-%02d@example.com", i+1)
	}
	return strings.ToLower(strings.ReplaceAll(firstNames[i]+"."+lastNames[i], " ", "")) + "@example.com"
}

func userMembers() []member {
	ms := make([]member, len(firstNames))
	for i := range ms {
		label := strings.TrimSpace(firstNames[i] + " " + lastNames[i])
		named := label != ""
		if !named {
			label = userEmail(i)
		}
		ms[i] = member{id: fmt.Sprintf("user_%02d", i+1), label: label, email: userEmail(i), named: named}
	}
	return ms
}

// The dimensions, in catalog order; the indexes below name them.
var dimensions = []dimension{
	{name: "model", label: "Model", members: modelMembers()},
	{name: "provider", label: "Provider", members: providers},
	{name: "app", label: "App", unsettable: true, members: append([]member{unset}, labelled(
		float64(1001), "Acme Chat", float64(1002), "CodePilot", float64(1003), "DocuMind", float64(1004), "Translatr",
		float64(1005), "Support Bot", float64(1006), "ResearchKit", float64(1007), "Notes AI", float64(1008), "Quill",
		float64(1009), "Agentic CLI", float64(1010), "Cloud Agent", float64(1011), "Sheet Helper", float64(1012), "VoiceLoop",
	)...)},
	{name: "api_key_id", label: "API key", members: apiKeys},
	{name: "user", label: "User", unsettable: true, members: append([]member{unset}, userMembers()...)},
	{name: "workspace", label: "Workspace", members: labelled(
		"0b6c1f1e-2d3a-4b5c-8d7e-9f0a1b2c3d4e", "Default", "1c7d2e2f-3e4b-4c6d-9e8f-0a1b2c3d4e5f", "Research",
		"2d8e3f30-4f5c-4d7e-af90-1b2c3d4e5f60", "Customer apps", "3e9f4041-506d-4e8f-b0a1-2c3d4e5f6071", "Sandbox",
	)},
	{name: "origin", label: "Origin", members: strMembers("api", "chatroom", "sdk-python", "sdk-typescript", "playground")},
	{name: "country", label: "Country", members: strMembers("US", "DE", "GB", "IN", "FR", "JP", "BR", "CA", "NL", "KR", "SG", "AU", "ES", "SE", "IT")},
	{name: "finish_reason", label: "Finish reason", unsettable: true, members: append([]member{unset}, strMembers("stop", "length", "tool_calls", "content_filter", "error")...)},
	// The columns below are derived from the others (derive), so that the
	// random draws, and with them the demo's figures, stay as they were.
	{name: "variant", label: "Variant", members: strMembers("standard", "free", "nitro", "floor", "thinking", "online")},
	{name: "external_user", label: "External user", unsettable: true, members: append([]member{unset}, externalUsers()...)},
	{name: "context_length_bucket", label: "Context length", members: strMembers(contextBuckets...)},
	// generation_id has a member per generation: its column is the row
	// itself (see generationID), not one of the dims.
	{name: "generation_id", label: "Generation"},
}

// externalUsers are the ids an app passes as the request's user field.
func externalUsers() []member {
	ms := make([]member, 24)
	for i := range ms {
		id := fmt.Sprintf("customer-%04d", 1000+i*37)
		ms[i] = member{id: id, label: id}
	}
	return ms
}

// contextBuckets are context_length_bucket's values, by prompt plus
// completion tokens; contextBucketTops are their exclusive upper bounds.
var (
	contextBuckets    = []string{"0-1K", "1K-4K", "4K-16K", "16K-64K", "64K-128K", "128K+"}
	contextBucketTops = []uint32{1 << 10, 4 << 10, 16 << 10, 64 << 10, 128 << 10}
)

const (
	dimModel = iota
	dimProvider
	dimApp
	dimAPIKey
	dimUser
	dimWorkspace
	dimOrigin
	dimCountry
	dimFinishReason
	dimVariant
	dimExternalUser
	dimContextLength
	dimGenerationID // the last: dataset.dims holds every column before it
)

func dimensionByName(name string) (int, bool) {
	for i, d := range dimensions {
		if d.name == name {
			return i, true
		}
	}
	return 0, false
}

// ClassifierID is the one custom classifier the fake knows. Its tags are
// the classifier dimensions "topic" and "language", unset (null) for some
// generations.
const ClassifierID = "6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f"

var classifierDims = []dimension{
	{name: "topic", label: "Topic", unsettable: true, members: append([]member{unset}, strMembers("coding", "writing", "analysis", "chat", "translation")...)},
	{name: "language", label: "Language", unsettable: true, members: append([]member{unset}, strMembers("en", "de", "es", "fr", "ja")...)},
}

// dataset is the synthetic generations, column by column, sorted by time.
type dataset struct {
	start  time.Time                 // first minute
	end    time.Time                 // end of the last day
	minute []uint32                  // minutes since start
	dims   [dimGenerationID][]uint16 // every dimension but generation_id
	tags   [2][]uint16

	promptTokens, completionTokens, reasoningTokens, cachedTokens []uint32
	costMicros                                                    []uint64
	latencyMs, ttftMs                                             []uint32
	isError                                                       []bool
}

func (d *dataset) len() int { return len(d.minute) }

func (d *dataset) throughput(i int) float64 {
	gen := float64(d.latencyMs[i]) - float64(d.ttftMs[i])
	if gen <= 0 {
		return 0
	}
	return float64(d.completionTokens[i]) / (gen / 1000)
}

// DefaultEnd is where the default data set ends: its 90 days run up to
// (not including) this instant.
var DefaultEnd = time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC)

// DefaultRange is the default data set's whole range, for a query of all
// of it: a client fills in the service's last 7 days of the wall clock
// for a query without one (see sdk.Windows.Default).
var DefaultRange = sdk.TimeRange{Start: DefaultEnd.AddDate(0, 0, -90), End: DefaultEnd}

// DataConfig shapes the synthetic data set.
type DataConfig struct {
	Rows int       // generations; default 100,000
	Days int       // days covered; default 90
	End  time.Time // end of the last day (exclusive); default DefaultEnd
	Seed uint64    // default 1
	// Late is how many generations arrived late: they are added to the
	// data set's last hour, on top of Rows, as they are to a live
	// service's open bucket between two reads.
	Late int
}

func (c DataConfig) withDefaults() DataConfig {
	if c.Rows <= 0 {
		c.Rows = 100_000
	}
	if c.Days <= 0 {
		c.Days = 90
	}
	if c.End.IsZero() {
		c.End = DefaultEnd
	}
	c.End = c.End.UTC().Truncate(time.Minute)
	if c.Seed == 0 {
		c.Seed = 1
	}
	return c
}

var datasets sync.Map // DataConfig -> func() *dataset

// datasetFor builds (once per process) the data set of a config; one
// with late generations is built each time.
func datasetFor(c DataConfig) *dataset {
	if c.Late > 0 {
		return generate(c)
	}
	build, _ := datasets.LoadOrStore(c, sync.OnceValue(func() *dataset { return generate(c) }))
	return build.(func() *dataset)()
}

// zipf returns weights 1, 1/2, 1/3, ... as cumulative sums for pick.
func zipf(n int) []float64 {
	cum := make([]float64, n)
	total := 0.0
	for i := range cum {
		total += 1 / float64(i+1)
		cum[i] = total
	}
	return cum
}

func pick(r *rand.Rand, cum []float64) int {
	x := r.Float64() * cum[len(cum)-1]
	i, _ := slices.BinarySearch(cum, x)
	return min(i, len(cum)-1)
}

// modelPrices are USD per million prompt and completion tokens.
var modelPrices = [][2]float64{
	{2.5, 10}, {3, 15}, {0.1, 0.4}, {0.15, 0.6}, {0.27, 1.1}, {3, 15}, {0.12, 0.3}, {1.25, 10},
	{0.55, 2.19}, {2, 6}, {0.13, 0.4}, {2, 10}, {1.1, 4.4}, {2.5, 10}, {0.8, 3.2}, {0.07, 0.14},
}

func generate(c DataConfig) *dataset {
	if c.Late > 0 {
		base := c
		base.Late = 0
		return withLate(datasetFor(base), c)
	}
	span := uint32(c.Days * 24 * 60)
	return generateIn(rand.New(rand.NewPCG(c.Seed, 0x5eed_a11a_1e7c5)), c, 0, span)
}

// generateIn draws c.Rows generations with minutes in [lo, hi) of the
// data set c describes.
func generateIn(r *rand.Rand, c DataConfig, lo, hi uint32) *dataset {
	n := c.Rows
	d := &dataset{start: c.End.AddDate(0, 0, -c.Days), end: c.End}
	d.minute = make([]uint32, n)
	for i := range d.minute {
		d.minute[i] = lo + r.Uint32N(hi-lo)
	}
	slices.Sort(d.minute)
	for k := range d.dims {
		d.dims[k] = make([]uint16, n)
	}
	for k := range d.tags {
		d.tags[k] = make([]uint16, n)
	}
	d.promptTokens = make([]uint32, n)
	d.completionTokens = make([]uint32, n)
	d.reasoningTokens = make([]uint32, n)
	d.cachedTokens = make([]uint32, n)
	d.costMicros = make([]uint64, n)
	d.latencyMs = make([]uint32, n)
	d.ttftMs = make([]uint32, n)
	d.isError = make([]bool, n)

	weights := make([][]float64, len(dimensions))
	for k, dim := range dimensions {
		weights[k] = zipf(len(dim.members))
	}
	tagWeights := [2][]float64{zipf(len(classifierDims[0].members)), zipf(len(classifierDims[1].members))}
	for i := range n {
		m := pick(r, weights[dimModel])
		d.dims[dimModel][i] = uint16(m)
		ps := modelProviders[m]
		d.dims[dimProvider][i] = uint16(ps[r.IntN(len(ps))])
		for _, k := range []int{dimAPIKey, dimWorkspace, dimOrigin, dimCountry} {
			d.dims[k][i] = uint16(pick(r, weights[k]))
		}
		if r.Float64() < 0.85 { // most generations come from an app
			d.dims[dimApp][i] = uint16(1 + pick(r, weights[dimApp][:len(weights[dimApp])-1]))
		}
		if r.Float64() < 0.7 {
			d.dims[dimUser][i] = uint16(1 + pick(r, weights[dimUser][:len(weights[dimUser])-1]))
		}
		for k := range d.tags {
			if r.Float64() < 0.9 {
				d.tags[k][i] = uint16(1 + pick(r, tagWeights[k][:len(tagWeights[k])-1]))
			}
		}

		prompt := uint32(math.Exp(r.NormFloat64()*0.9+6.5)) + 1
		completion := uint32(math.Exp(r.NormFloat64()*0.8+5.5)) + 1
		var reasoning uint32
		if name := models[m]; name == "deepseek/deepseek-r1" || name == "openai/o3-mini" {
			reasoning = completion * uint32(2+r.IntN(4))
		}
		var cached uint32
		if r.Float64() < 0.3 {
			cached = prompt / uint32(2+r.IntN(3))
		}
		failed := r.Float64() < 0.02+0.01*float64(m%3)
		switch {
		case failed:
			d.dims[dimFinishReason][i] = 5 // error
			completion, reasoning = 0, 0
		case r.Float64() < 0.03:
			d.dims[dimFinishReason][i] = 0 // unset
		default:
			d.dims[dimFinishReason][i] = uint16(1 + pick(r, []float64{10, 11, 13, 13.1}))
		}
		price := modelPrices[m]
		cost := (float64(prompt)*price[0] + float64(completion+reasoning)*price[1]) // micro-USD
		tps := 40 + 20*float64(m%6) + r.NormFloat64()*8
		ttft := uint32(150 + 60*float64(m%5) + math.Abs(r.NormFloat64())*120)
		latency := ttft + uint32(float64(completion+reasoning)/max(tps, 5)*1000)

		d.promptTokens[i] = prompt
		d.completionTokens[i] = completion
		d.reasoningTokens[i] = reasoning
		d.cachedTokens[i] = cached
		d.costMicros[i] = uint64(math.Round(cost))
		d.ttftMs[i] = ttft
		d.latencyMs[i] = latency
		d.isError[i] = failed
	}
	d.derive()
	return d
}

// derive fills the derived dimensions from each generation's other
// columns, the way spendOf derives the spend split.
func (d *dataset) derive() {
	for i := range d.len() {
		h := d.rowHash(i)
		m := models[d.dims[dimModel][i]]
		var variant uint16 // standard
		switch {
		case h%23 == 0:
			variant = 1 // free
		case h%11 == 4:
			variant = 2 // nitro
		case h%17 == 9:
			variant = 3 // floor
		case h%7 == 1 && (m == "anthropic/claude-3.7-sonnet" || m == "deepseek/deepseek-r1"):
			variant = 4 // thinking
		case h%29 == 13:
			variant = 5 // online
		}
		d.dims[dimVariant][i] = variant
		if app := d.dims[dimApp][i]; app != 0 && (h>>8)%5 < 2 {
			// Some apps pass their own customers' ids.
			d.dims[dimExternalUser][i] = uint16(1 + (h>>12)%uint64(len(dimensions[dimExternalUser].members)-1))
		}
		tokens := d.promptTokens[i] + d.completionTokens[i] + d.reasoningTokens[i]
		b, _ := slices.BinarySearch(contextBucketTops, tokens+1)
		d.dims[dimContextLength][i] = uint16(b)
	}
}

// rowHash mixes generation i's own columns into a hash, so that what is
// derived from it survives merging late generations in.
func (d *dataset) rowHash(i int) uint64 {
	h := uint64(d.costMicros[i])*2654435761 ^ uint64(d.promptTokens[i])*40503 ^ uint64(d.minute[i])*97
	return h ^ h>>29
}

// generationID is generation i's id, as the service shows it: "gen-",
// the minute's Unix time, and 20 characters from its columns and its
// place within the minute (so that two generations never share one).
func (d *dataset) generationID(i int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	nth := i - sort.Search(i, func(j int) bool { return d.minute[j] == d.minute[i] })
	h := d.rowHash(i) ^ uint64(nth)*0x9e3779b97f4a7c15
	var b [20]byte
	for k := range b {
		h = h*6364136223846793005 + 1442695040888963407
		b[k] = alphabet[(h>>32)%uint64(len(alphabet))]
	}
	unix := d.start.Unix() + int64(d.minute[i])*60
	return "gen-" + strconv.FormatInt(unix, 10) + "-" + string(b[:])
}

// withLate is base with c.Late more generations in its last hour, drawn
// from a seed of their own so that base's stay as they were.
func withLate(base *dataset, c DataConfig) *dataset {
	span := uint32(c.Days * 24 * 60)
	late := c
	late.Rows = c.Late
	l := generateIn(rand.New(rand.NewPCG(c.Seed, uint64(c.Late))), late, span-60, span)
	// Both are sorted by minute: merge them, base first within a minute.
	order := make([]int, 0, base.len()+l.len()) // index into base, or base.len()+index into l
	i, j := 0, 0
	for i < base.len() || j < l.len() {
		if j == l.len() || i < base.len() && base.minute[i] <= l.minute[j] {
			order = append(order, i)
			i++
		} else {
			order = append(order, base.len()+j)
			j++
		}
	}
	d := &dataset{start: base.start, end: base.end}
	d.minute = merged(order, base.minute, l.minute)
	for k := range d.dims {
		d.dims[k] = merged(order, base.dims[k], l.dims[k])
	}
	for k := range d.tags {
		d.tags[k] = merged(order, base.tags[k], l.tags[k])
	}
	d.promptTokens = merged(order, base.promptTokens, l.promptTokens)
	d.completionTokens = merged(order, base.completionTokens, l.completionTokens)
	d.reasoningTokens = merged(order, base.reasoningTokens, l.reasoningTokens)
	d.cachedTokens = merged(order, base.cachedTokens, l.cachedTokens)
	d.costMicros = merged(order, base.costMicros, l.costMicros)
	d.latencyMs = merged(order, base.latencyMs, l.latencyMs)
	d.ttftMs = merged(order, base.ttftMs, l.ttftMs)
	d.isError = merged(order, base.isError, l.isError)
	return d
}

// merged is the column of a merge: order indexes x, then y after it.
func merged[T any](order []int, x, y []T) []T {
	out := make([]T, len(order))
	for k, i := range order {
		if i < len(x) {
			out[k] = x[i]
		} else {
			out[k] = y[i-len(x)]
		}
	}
	return out
}
