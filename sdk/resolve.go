package sdk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Enriched dimensions. Rows show five dimensions as labels for people,
// while filters on them take the underlying id:
//
//	dimension   rows show              filters take
//	api_key_id  the key's name         its hash (or numeric id)
//	user        the member's name      the user id (user_...)
//	workspace   the workspace's name   its UUID
//	app         the app's title        its numeric id
//	model       the display name       the permaslug (openai/gpt-4o)
//
// A label in a filter matches nothing (the server warns that it could
// not be resolved). Every other dimension shows what its filters take.
// Client.Resolve and Client.ResolveFilters turn labels into ids through
// the look-ups (ListKeys, ListWorkspaces, ListMembers, ListModels);
// apps have no list upstream, so their titles cannot be resolved.

// IsEnriched reports whether rows show the dimension as a label while its
// filters take an id.
func IsEnriched(dimension string) bool {
	switch dimension {
	case "api_key_id", "user", "workspace", "app", "model":
		return true
	}
	return false
}

// looksLikeID reports whether a filter value of an enriched dimension has
// the shape of its ids (a permaslug, user_..., a UUID, a number, a key
// hash), which pass through unresolved, since a look-up need not list
// them all (a deleted key still has traffic).
func looksLikeID(dimension, value string) bool {
	switch dimension {
	case "model":
		return strings.Contains(value, "/")
	case "user":
		return strings.HasPrefix(value, "user_")
	case "workspace":
		return uuid.Validate(value) == nil
	case "app":
		return isDigits(value)
	case "api_key_id":
		return isDigits(value) || len(value) == 64 && strings.Trim(strings.ToLower(value), "0123456789abcdef") == ""
	}
	return true
}

func isDigits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

// AmbiguousNameError is a name that several ids of a dimension bear, such
// as two keys called "CI" in two workspaces: rows cannot tell them apart,
// and a filter must take one of the ids.
type AmbiguousNameError struct {
	Dimension, Name string
	Candidates      []Candidate
}

// Error lists every candidate with its id (and workspace, for a key).
func (e *AmbiguousNameError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "openrouter: %s %q is ambiguous: %d match, filter by one of their ids:", e.Dimension, e.Name, len(e.Candidates))
	for _, c := range e.Candidates {
		fmt.Fprintf(&b, " %s", c.ID)
		if c.Workspace != "" {
			fmt.Fprintf(&b, " (%s in workspace %s)", c.Label, c.Workspace)
		} else {
			fmt.Fprintf(&b, " (%s)", c.Label)
		}
		b.WriteByte(';')
	}
	return strings.TrimSuffix(b.String(), ";")
}

// UnknownNameError is a name no id of a dimension bears.
type UnknownNameError struct {
	Dimension, Name string
	// Nearest are the closest names the look-up has, nearest first.
	Nearest []string
	// Hint says where the ids come from when no look-up can help (apps).
	Hint string
}

// Error names the value and the nearest names, or the hint.
func (e *UnknownNameError) Error() string {
	msg := fmt.Sprintf("openrouter: no %s is called %q", e.Dimension, e.Name)
	if e.Hint != "" {
		return msg + ": " + e.Hint
	}
	if len(e.Nearest) > 0 {
		msg += "; the nearest: " + strings.Join(quoteAll(e.Nearest), ", ")
	}
	return msg
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}

const appHint = "OpenRouter publishes no list of apps to look a title up in: filter by the app's numeric id, " +
	"or give the client the apps you know with WithApps"

// Resolve turns a value of an enriched dimension into the id its filters
// take: an id (by its shape, see looksLikeID) comes back as it is; a
// name is matched against the look-up's names for people (a key's name
// or label; a member's full name or email; a workspace's name or slug; a
// model's name or canonical slug), exactly, else without regard to case.
// A name of several ids is an *AmbiguousNameError, a name of none an
// *UnknownNameError (after one refresh of a look-up older than a
// minute). Other dimensions' values come back as they are. Look-ups are
// fetched when first needed and kept for the client's catalog TTL.
func (c *Client) Resolve(ctx context.Context, dimension, value string) (Candidate, error) {
	if !IsEnriched(dimension) || looksLikeID(dimension, value) {
		return Candidate{ID: value, Label: value}, nil
	}
	if dimension == "app" {
		if len(c.apps) == 0 {
			return Candidate{}, &UnknownNameError{Dimension: dimension, Name: value, Hint: appHint}
		}
		found, err := match(dimension, value, c.apps)
		return found, c.redactNameError(err)
	}
	for attempt := 0; ; attempt++ {
		dir, fetched, err := c.lookups.get(ctx, c, dimension, c.catalogTTL)
		if err != nil {
			return Candidate{}, err
		}
		found, err := match(dimension, value, dir)
		err = c.redactNameError(err)
		var unknown *UnknownNameError
		if errors.As(err, &unknown) && attempt == 0 && time.Since(fetched) > time.Minute {
			c.lookups.drop(dimension) // a name made since: look again, once
			continue
		}
		return found, err
	}
}

// Resolution is a filter value that ResolveFilters replaced.
type Resolution struct {
	Filter    int // the filter's index in the query
	Dimension string
	Name      string
	To        Candidate
}

// ResolveFilters replaces each name in q's filters on enriched dimensions
// (eq, neq, in and not_in) with the id Resolve gives, and says what it
// replaced; ids and other dimensions' filters are left as they are. On
// an error (every ambiguous or unknown name, joined) q is unchanged.
func (c *Client) ResolveFilters(ctx context.Context, q *QueryRequest) ([]Resolution, error) {
	var done []Resolution
	var errs []error
	filters := slices.Clone(q.Filters)
	for i, f := range filters {
		if !IsEnriched(f.Field) || !slices.Contains([]FilterOperator{OpEq, OpNeq, OpIn, OpNotIn}, f.Operator) {
			continue
		}
		raw, err := f.Value.MarshalJSON()
		if err != nil {
			return nil, err
		}
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, err
		}
		resolve := func(x any) any {
			s, ok := x.(string)
			if !ok {
				return x
			}
			to, err := c.Resolve(ctx, f.Field, s)
			if err != nil {
				errs = append(errs, fmt.Errorf("filters[%d]: %w", i, err))
				return x
			}
			if to.ID == s {
				return x
			}
			done = append(done, Resolution{Filter: i, Dimension: f.Field, Name: s, To: to})
			if f.Field == "app" { // app ids are numbers
				if n, err := strconv.ParseInt(to.ID, 10, 64); err == nil {
					return n
				}
			}
			return to.ID
		}
		if list, ok := v.([]any); ok {
			for j := range list {
				list[j] = resolve(list[j])
			}
		} else {
			v = resolve(v)
		}
		nf, err := NewFilter(f.Field, f.Operator, v)
		if err != nil {
			return nil, err
		}
		nf.IncludeUnset = f.IncludeUnset
		filters[i] = nf
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	q.Filters = filters
	return done, nil
}

// redactNameError takes the API key out of the names a look-up's server
// sent, as from every error.
func (c *Client) redactNameError(err error) error {
	var amb *AmbiguousNameError
	var unknown *UnknownNameError
	switch {
	case errors.As(err, &amb):
		for i, cand := range amb.Candidates {
			amb.Candidates[i] = Candidate{ID: c.redact.string(cand.ID), Label: c.redact.string(cand.Label), Workspace: c.redact.string(cand.Workspace)}
		}
		amb.Name = c.redact.string(amb.Name)
	case errors.As(err, &unknown):
		for i, n := range unknown.Nearest {
			unknown.Nearest[i] = c.redact.string(n)
		}
		unknown.Name = c.redact.string(unknown.Name)
	}
	return err
}

// match finds the candidates a name stands for.
func match(dimension, name string, dir []Candidate) (Candidate, error) {
	var exact, folded []Candidate
	for _, c := range dir {
		for _, n := range c.names {
			if n == name {
				exact = append(exact, c)
				break
			}
			if strings.EqualFold(n, name) {
				folded = append(folded, c)
				break
			}
		}
	}
	found := exact
	if len(found) == 0 {
		found = folded
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return Candidate{}, &UnknownNameError{Dimension: dimension, Name: name, Nearest: nearest(name, dir, 3)}
	}
	return Candidate{}, &AmbiguousNameError{Dimension: dimension, Name: name, Candidates: found}
}

// nearest is the n labels closest to name by edit distance, ignoring case.
func nearest(name string, dir []Candidate, n int) []string {
	type scored struct {
		label string
		d     int
	}
	var all []scored
	seen := map[string]bool{}
	for _, c := range dir {
		if !seen[c.Label] {
			seen[c.Label] = true
			d := editDistance(strings.ToLower(name), strings.ToLower(c.Label))
			if strings.Contains(strings.ToLower(c.Label), strings.ToLower(name)) {
				d = 0 // a part of the name: "prod" for "Production"
			}
			all = append(all, scored{c.Label, d})
		}
	}
	slices.SortStableFunc(all, func(a, b scored) int { return a.d - b.d })
	out := []string{}
	for _, s := range all[:min(n, len(all))] {
		out = append(out, s.label)
	}
	return out
}
