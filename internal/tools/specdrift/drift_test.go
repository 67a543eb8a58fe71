package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// variant writes the upstream fixture with one change, and returns its path.
func variant(t *testing.T, old, new string) string {
	t.Helper()
	raw, err := os.ReadFile("testdata/upstream.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw), old) {
		t.Fatalf("the fixture has no %q", old)
	}
	path := filepath.Join(t.TempDir(), "upstream.yaml")
	if err := os.WriteFile(path, []byte(strings.Replace(string(raw), old, new, 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func emptyAllowlist(t *testing.T) string {
	path := filepath.Join(t.TempDir(), "allow.txt")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestDrift(t *testing.T) {
	t.Parallel()

	for _, tc := range []struct {
		name     string
		old, new string
		want     []string // "" for none
	}{
		{"nothing new", "", "", nil},
		{"an added property", "                note:\n", "                region: {type: string}\n                note:\n",
			[]string{"POST /analytics/query request.region: property: missing"}},
		{"a new enum value", "direction: {type: string, enum: [asc, desc]}", "direction: {type: string, enum: [asc, desc, random]}",
			[]string{"POST /analytics/query request.order_by.direction: enum value random: missing"}},
		{"a tightened limit", "maxItems: 2", "maxItems: 1",
			[]string{"POST /analytics/query request.dimensions: maxItems: upstream 1, ours 2"}},
		{"a new status", "        '400':\n", "        '429':\n          description: slow down\n        '400':\n",
			[]string{"POST /analytics/query: response 429: missing"}},
		{"a removed field", "                note:\n                  type: string\n", "",
			[]string{"POST /analytics/query request.note: property: ours has it, upstream does not"}},
		{"a type widened to nullable", "                note:\n                  type: string\n", "                note:\n                  type: [string, 'null']\n",
			[]string{"POST /analytics/query request.note: type null: upstream allows it, ours does not"}},
		{"a new required field", "              required: [metrics]\n", "              required: [metrics, dimensions]\n",
			[]string{"POST /analytics/query request: required dimensions: upstream requires it, ours does not"}},
		{"a new format", "cachedAt: {type: number, format: double}", "cachedAt: {type: number, format: float}",
			[]string{"POST /analytics/query 200.cachedAt: format: upstream float, ours double"}},
		{"an open enum where ours is closed", "name: {type: string, enum: [day, week], example: day}", "name: {type: string, example: day}",
			[]string{"GET /analytics/meta 200.data.granularities[].name: enum: upstream has an open set, ours allows only day, week"}},
		// A look-up declares only the fields the SDK uses: what it leaves
		// out is not drift, but what it declares must agree.
		{"a look-up gains a field", "                        created_by: {type: string}\n", "                        created_by: {type: string}\n                        slug: {type: string}\n",
			nil},
		{"a look-up's field changes type", "                        name: {type: string}\n                        created_by", "                        name: {type: integer}\n                        created_by",
			[]string{"GET /workspaces 200.data[].name: type integer: upstream allows it, ours does not"}},
		{"a look-up's field becomes optional", "required: [id, name, created_by]", "required: [id, created_by]",
			[]string{"GET /workspaces 200.data[]: required name: ours requires it, upstream does not"}},
		// The facts a hand check found that the check once missed.
		{"an operation id", "  /workspaces:\n    get:\n", "  /workspaces:\n    get:\n      operationId: list\n",
			[]string{"GET /workspaces: operationId: upstream list, ours none"}},
		{"a nullable parameter", "- {name: offset, in: query, schema: {type: integer}}", "- {name: offset, in: query, schema: {type: [integer, 'null']}}",
			[]string{"GET /workspaces parameter query offset: type null: upstream allows it, ours does not"}},
		{"a parameter's default", "- {name: offset, in: query, schema: {type: integer}}", "- {name: offset, in: query, schema: {type: integer, default: 0}}",
			[]string{"GET /workspaces parameter query offset: default: upstream 0, ours none"}},
		{"a parameter's bound", "- {name: limit, in: query, schema: {type: integer}}", "- {name: limit, in: query, schema: {type: integer, maximum: 100}}",
			[]string{"GET /workspaces parameter query limit: maximum: upstream 100, ours none"}},
		{"a closed enum where ours is open", "                        name: {type: string}\n                        created_by", "                        name: {type: string, enum: [a, b]}\n                        created_by",
			[]string{"GET /workspaces 200.data[].name: enum: upstream allows only a, b, ours has an open set"}},
		{"a description ours lacks", "                        name: {type: string}\n                        created_by", "                        name: {type: string, description: the name}\n                        created_by",
			[]string{"GET /workspaces 200.data[].name: description: missing"}},
		{"a parameter's description ours lacks", "- {name: limit, in: query, schema: {type: integer}}", "- {name: limit, in: query, description: page size, schema: {type: integer}}",
			[]string{"GET /workspaces parameter query limit: description: missing"}},
		{"a new operation", "  /analytics/query:\n", "  /analytics/query:\n    delete:\n      responses: {'204': {description: gone}}\n",
			nil}, // an operation outside the two we cover is not ours to track
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := "testdata/upstream.yaml"
			if tc.old != "" {
				path = variant(t, tc.old, tc.new)
			}
			var out, errOut bytes.Buffer
			code := run(path, "testdata/ours.yaml", emptyAllowlist(t), &out, &errOut)
			lines := strings.Split(strings.TrimSpace(out.String()), "\n")
			findings := lines[:len(lines)-1] // the last line is the summary
			if len(tc.want) == 0 {
				if code != 0 || len(findings) != 0 {
					t.Fatalf("exit %d, want 0 and no findings:\n%s%s", code, out.String(), errOut.String())
				}
				return
			}
			if code != 1 {
				t.Fatalf("exit %d, want 1:\n%s%s", code, out.String(), errOut.String())
			}
			if strings.Join(findings, "\n") != strings.Join(tc.want, "\n") {
				t.Fatalf("findings:\n%s\nwant:\n%s", strings.Join(findings, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

func TestMissingOperation(t *testing.T) {
	t.Parallel()

	path := variant(t, "  /analytics/meta:\n    get:\n", "  /analytics/meta:\n    put:\n")
	var out bytes.Buffer
	code := run(path, "testdata/ours.yaml", emptyAllowlist(t), &out, &out)
	if code != 1 || !strings.Contains(out.String(), "GET /analytics/meta: operation: upstream no longer has it") {
		t.Fatalf("exit %d:\n%s", code, out.String())
	}
}

func TestAllowlist(t *testing.T) {
	t.Parallel()

	path := variant(t, "        '400':\n", "        '429':\n          description: slow down\n        '400':\n")
	allow := filepath.Join(t.TempDir(), "allow.txt")
	if err := os.WriteFile(allow, []byte("# refinements\nPOST /analytics/query: response 429 # we know\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if code := run(path, "testdata/ours.yaml", allow, &out, &out); code != 0 {
		t.Fatalf("exit %d:\n%s", code, out.String())
	}
	if !strings.Contains(out.String(), "allowed: POST /analytics/query: response 429: missing (we know)") {
		t.Fatal(out.String())
	}
	if err := os.WriteFile(allow, []byte("POST /analytics/query: response 429\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code := run(path, "testdata/ours.yaml", allow, &out, &out); code != 2 {
		t.Fatalf("an entry without a reason: exit %d, want 2", code)
	}
}

func TestBadInput(t *testing.T) {
	t.Parallel()

	var out bytes.Buffer
	if code := run("testdata/nope.yaml", "testdata/ours.yaml", emptyAllowlist(t), &out, &out); code != 2 {
		t.Fatalf("exit %d", code)
	}
	notSpec := filepath.Join(t.TempDir(), "x.json")
	_ = os.WriteFile(notSpec, []byte(`{"hello": "world"}`), 0o600)
	if code := run(notSpec, "testdata/ours.yaml", emptyAllowlist(t), &out, &out); code != 2 {
		t.Fatalf("exit %d", code)
	}
	cyclic := variant(t, "      $ref: '#/components/schemas/ErrorShape'", "      $ref: '#/components/schemas/BadRequest'")
	if code := run(cyclic, "testdata/ours.yaml", emptyAllowlist(t), &out, &out); code != 1 {
		t.Fatalf("a $ref cycle: exit %d, want 1 (and no hang)", code)
	}
}
