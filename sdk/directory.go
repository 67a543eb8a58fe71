package sdk

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"
)

// The directories of the enriched dimensions: the ids a filter takes,
// with the labels rows show for them, from the look-ups (keys,
// workspaces, members, models) and WithApps, kept for the catalog's TTL.
// resolve.go turns names into these ids; labelids.go maps labels to ids
// for an export; attribute.go tells rows apart where ids share a label.

// Candidate is one id of an enriched dimension, with what rows show for it.
type Candidate struct {
	// ID is what a filter takes: a permaslug, a user id, a workspace
	// UUID, or an API key's hash.
	ID string
	// Label is what rows show.
	Label string
	// Workspace is the name of an API key's workspace.
	Workspace string
	// names are the look-up's fields for people that a value may match.
	names []string
}

// App is an app's numeric id and the title rows show for it.
type App struct {
	ID    int64
	Title string
}

// Directory lists every id of an enriched dimension with its label (and
// workspace, for keys), from the look-ups; for apps, those WithApps gave.
func (c *Client) Directory(ctx context.Context, dimension string) ([]Candidate, error) {
	if dimension == "app" {
		return slices.Clone(c.apps), nil
	}
	if !IsEnriched(dimension) {
		return nil, &UnknownNameError{Dimension: dimension, Name: "", Hint: "only api_key_id, user, workspace, model and app have ids apart from what rows show"}
	}
	dir, _, err := c.lookups.get(ctx, c, dimension, c.catalogTTL)
	return slices.Clone(dir), err
}

// RefreshLookups forgets the look-ups, so that the next Resolve or
// Directory fetches them again.
func (c *Client) RefreshLookups() { c.lookups.dropAll() }

// lookupCache keeps each dimension's directory for a while.
type lookupCache struct {
	mu   sync.Mutex
	dirs map[string]lookupEntry
}

type lookupEntry struct {
	dir     []Candidate
	fetched time.Time
}

func (lc *lookupCache) get(ctx context.Context, c *Client, dimension string, ttl time.Duration) ([]Candidate, time.Time, error) {
	lc.mu.Lock()
	e, ok := lc.dirs[dimension]
	lc.mu.Unlock()
	if ok && time.Since(e.fetched) < ttl {
		return e.dir, e.fetched, nil
	}
	dir, err := c.fetchDirectory(ctx, dimension)
	if err != nil {
		return nil, time.Time{}, err
	}
	e = lookupEntry{dir: dir, fetched: time.Now()}
	lc.mu.Lock()
	if lc.dirs == nil {
		lc.dirs = map[string]lookupEntry{}
	}
	lc.dirs[dimension] = e
	lc.mu.Unlock()
	return e.dir, e.fetched, nil
}

func (lc *lookupCache) drop(dimension string) {
	lc.mu.Lock()
	defer lc.mu.Unlock()
	delete(lc.dirs, dimension)
}

func (lc *lookupCache) dropAll() {
	lc.mu.Lock()
	defer lc.mu.Unlock()
	lc.dirs = nil
}

// fetchDirectory lists one dimension's ids through its look-up.
func (c *Client) fetchDirectory(ctx context.Context, dimension string) ([]Candidate, error) {
	var dir []Candidate
	switch dimension {
	case "model":
		models, err := c.ListModels(ctx)
		if err != nil {
			return nil, err
		}
		for _, m := range models {
			dir = append(dir, Candidate{ID: m.ID, Label: m.Name, names: []string{m.Name, m.CanonicalSlug}})
		}
	case "user":
		members, err := c.ListMembers(ctx)
		if err != nil {
			return nil, err
		}
		for _, m := range members {
			label := memberLabel(m)
			dir = append(dir, Candidate{ID: m.ID, Label: label, names: []string{label, m.Email}})
		}
	case "workspace":
		spaces, err := c.ListWorkspaces(ctx)
		if err != nil {
			return nil, err
		}
		for _, w := range spaces {
			dir = append(dir, Candidate{ID: w.ID.String(), Label: w.Name, names: []string{w.Name, w.Slug}})
		}
	case "api_key_id":
		spaces, err := c.ListWorkspaces(ctx)
		if err != nil {
			return nil, err
		}
		for _, w := range spaces {
			keys, err := c.ListKeys(ctx, w.ID)
			if err != nil {
				return nil, err
			}
			for _, k := range keys {
				dir = append(dir, Candidate{ID: k.Hash, Label: k.Name, Workspace: w.Name, names: []string{k.Name, k.Label}})
			}
		}
	}
	return dir, nil
}

// memberLabel is what rows show for a member: the first and last name,
// or the email when the member has no name.
func memberLabel(m Member) string {
	if name := strings.TrimSpace(m.FirstName + " " + m.LastName); name != "" {
		return name
	}
	return m.Email
}
