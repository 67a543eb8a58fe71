package analyticstest

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
)

// The look-ups that give the ids filters take, served from the same
// members as the analytics, with the documented pagination.

// KeysPage is how many keys one page of GET /keys holds: small, so that a
// client must follow the pages.
const KeysPage = 3

// disabledKey is the index of the one disabled key, listed only with
// include_disabled=true.
const disabledKey = 6

type keyJSON struct {
	Hash        string  `json:"hash"`
	Name        string  `json:"name"`
	Label       string  `json:"label"`
	Disabled    bool    `json:"disabled"`
	WorkspaceID string  `json:"workspace_id"`
	Usage       float64 `json:"usage"` // a field the spec leaves out, as upstream has many
}

type workspaceJSON struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Slug string `json:"slug"`
}

type memberJSON struct {
	ID        string  `json:"id"`
	FirstName *string `json:"first_name"`
	LastName  *string `json:"last_name"`
	Email     string  `json:"email"`
	Role      string  `json:"role"`
}

type modelJSON struct {
	ID            string `json:"id"`
	CanonicalSlug string `json:"canonical_slug"`
	Name          string `json:"name"`
	ContextLength int    `json:"context_length"`
}

func workspaces() []workspaceJSON {
	var out []workspaceJSON
	for _, m := range dimensions[dimWorkspace].members {
		out = append(out, workspaceJSON{ID: m.id.(string), Name: m.label, Slug: strings.ReplaceAll(strings.ToLower(m.label), " ", "-")})
	}
	return out
}

func members() []memberJSON {
	var out []memberJSON
	for i := range firstNames {
		m := memberJSON{ID: userMembers()[i].id.(string), Email: userEmail(i), Role: "org:member"}
		if i == 0 {
			m.Role = "org:admin"
		}
		if firstNames[i] != "" {
			m.FirstName, m.LastName = &firstNames[i], &lastNames[i]
		}
		out = append(out, m)
	}
	return out
}

func keysOf(workspace string, disabled bool) []keyJSON {
	var out []keyJSON
	for i, k := range keyNames {
		ws := dimensions[dimWorkspace].members[k.workspace].id.(string)
		if ws != workspace || i == disabledKey && !disabled {
			continue
		}
		hash := apiKeys[i].hash
		out = append(out, keyJSON{Hash: hash, Name: k.name, Label: "sk-or-v1-" + hash[:3] + "..." + hash[60:],
			Disabled: i == disabledKey, WorkspaceID: ws, Usage: float64(i) * 1.25})
	}
	return out
}

func modelList() []modelJSON {
	out := make([]modelJSON, len(models))
	for i, id := range models {
		out[i] = modelJSON{ID: id, CanonicalSlug: id + "-2025-01-01", Name: modelNames[id], ContextLength: 128_000}
	}
	return out
}

// page is items[offset:offset+limit], clipped.
func page[T any](items []T, offset, limit int) []T {
	if offset >= len(items) {
		return []T{}
	}
	return items[offset:min(len(items), offset+limit)]
}

func intParam(q url.Values, name string, def int) int {
	if n, err := strconv.Atoi(q.Get(name)); err == nil {
		return n
	}
	return def
}

// lookup answers one of the four look-ups (the spec has checked q).
func lookup(op string, q url.Values) (int, []byte) {
	offset := intParam(q, "offset", 0)
	switch op {
	case "listWorkspaces":
		all := workspaces()
		return jsonBody(http.StatusOK, map[string]any{"data": page(all, offset, intParam(q, "limit", 50)), "total_count": len(all)})
	case "listOrganizationMembers":
		all := members()
		return jsonBody(http.StatusOK, map[string]any{"data": page(all, offset, intParam(q, "limit", 50)), "total_count": len(all)})
	case "listKeys":
		ws := q.Get("workspace_id")
		if ws == "" {
			ws = dimensions[dimWorkspace].members[0].id.(string) // the default workspace
		}
		return jsonBody(http.StatusOK, map[string]any{"data": page(keysOf(ws, q.Get("include_disabled") == "true"), offset, KeysPage)})
	default: // listModels: every model unless offset or limit asks for a page
		all := modelList()
		if q.Has("offset") || q.Has("limit") {
			all = page(all, offset, intParam(q, "limit", 500))
		}
		return jsonBody(http.StatusOK, map[string]any{"data": all})
	}
}

// Apps lists the fake's apps with their ids, for sdk.WithApps: OpenRouter
// publishes no list of apps, so a client learns them from its user.
func Apps() []sdk.App {
	var out []sdk.App
	for _, m := range dimensions[dimApp].members[1:] {
		out = append(out, sdk.App{ID: int64(m.id.(float64)), Title: m.label})
	}
	return out
}
