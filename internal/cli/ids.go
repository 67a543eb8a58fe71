package cli

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk/row"
)

// Enriched dimensions show labels in rows while their filters take ids
// (see sdk.IsEnriched). The command resolves names in --filter to ids,
// and --with-ids adds the id beside each such column, for exports that
// need a stable key: a name may change, and two keys may share one.

// idColumn is the column --with-ids adds beside an enriched dimension.
func idColumn(dim string) string { return dim + ".id" }

// resolveFilters replaces names in the query's filters with ids, noting
// each on stderr; an ambiguous or unknown name is an error, and the
// query is not run.
func resolveFilters(ctx context.Context, client *sdk.Client, q *sdk.QueryRequest, env Env) error {
	done, err := client.ResolveFilters(ctx, q)
	if err != nil {
		return err
	}
	for _, r := range done {
		where := ""
		if r.To.Workspace != "" {
			where = " in workspace " + r.To.Workspace
		}
		fmt.Fprintf(env.Stderr, "openrouter-analytics: %s %q is %s%s\n", r.Dimension, r.Name, r.To.ID, where)
	}
	return nil
}

// idColumns adds the id columns to rows.
type idColumns struct {
	dims []string                 // the query's enriched dimensions
	ids  map[string]*sdk.LabelIDs // by dimension
	b    row.Builder
}

// newIDColumns fetches the ids of the query's enriched dimensions. A
// label that several ids share gets no id, and a note on stderr: its
// rows cannot be told apart.
func newIDColumns(ctx context.Context, client *sdk.Client, q sdk.QueryRequest, env Env) (*idColumns, error) {
	ic := &idColumns{ids: map[string]*sdk.LabelIDs{}}
	for _, dim := range q.Dimensions {
		if !sdk.IsEnriched(dim) {
			continue
		}
		ids, err := client.LabelIDs(ctx, dim)
		if err != nil {
			return nil, err
		}
		noteLabelIDs(ids, env)
		ic.dims = append(ic.dims, dim)
		ic.ids[dim] = ids
	}
	return ic, nil
}

// noteLabelIDs says on stderr which labels get no id.
func noteLabelIDs(ids *sdk.LabelIDs, env Env) {
	shared := ids.Shared()
	if ids.Dimension == "app" && ids.Len() == 0 && len(shared) == 0 {
		fmt.Fprintf(env.Stderr, "openrouter-analytics: app ids are not known: OpenRouter publishes no list of apps\n")
	}
	for _, label := range slices.Sorted(maps.Keys(shared)) {
		list := shared[label]
		fmt.Fprintf(env.Stderr, "openrouter-analytics: %d %s ids share the label %q (%s): their rows cannot be told apart; filter by one id\n",
			len(list), ids.Dimension, label, strings.Join(list, ", "))
	}
}

// row is r with the id beside each enriched dimension: null when the
// label is unset, unknown or shared; r itself without --with-ids (nil).
func (ic *idColumns) row(r sdk.Row) sdk.Row {
	if ic == nil || len(ic.dims) == 0 {
		return r
	}
	ic.b.Reset()
	for col, val := range r.All() {
		ic.b.Add(col, val)
		if ids, ok := ic.ids[col]; ok {
			var id any
			label, ok := val.(string)
			if val == nil && col == "user" {
				// A member with no name shows null, and its email beside.
				label, ok = r.Value("user_email").(string)
			}
			if ok {
				if found, ok := ids.ID(label); ok {
					id = found
				}
			}
			ic.b.Add(idColumn(col), id)
		}
	}
	return ic.b.Row()
}
