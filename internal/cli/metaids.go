package cli

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"

	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk/analyticstest"
)

// idEntry is one id a filter takes, with the name rows show for it.
type idEntry struct {
	Dimension string `json:"dimension"`
	ID        string `json:"id"`
	Name      string `json:"name"`
	Workspace string `json:"workspace,omitempty"`
}

// idDimensions are the look-ups meta --ids lists, in order. Models are
// left out: the service lists hundreds (sdk.Client.ListModels has them).
var idDimensions = []struct{ dim, title string }{
	{"api_key_id", "API keys (api_key_id)"},
	{"workspace", "Workspaces (workspace)"},
	{"user", "Members (user)"},
	{"app", "Apps (app)"},
}

func listIDs(ctx context.Context, client *sdk.Client, demo bool) ([]idEntry, error) {
	var out []idEntry
	for _, d := range idDimensions {
		dir, err := client.Directory(ctx, d.dim)
		if err != nil {
			return nil, err
		}
		for _, c := range dir {
			out = append(out, idEntry{Dimension: d.dim, ID: c.ID, Name: c.Label, Workspace: c.Workspace})
		}
	}
	if demo {
		out = append(out, idEntry{Dimension: "classifier", ID: analyticstest.ClassifierID, Name: "the demo classifier (topic, language)"})
	}
	return out, nil
}

func writeIDs(w io.Writer, list []idEntry, format string) error {
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(list)
	case "jsonl":
		enc := json.NewEncoder(w)
		for _, e := range list {
			if err := enc.Encode(e); err != nil {
				return err
			}
		}
		return nil
	case "csv":
		cw := csv.NewWriter(w)
		_ = cw.Write([]string{"dimension", "id", "name", "workspace"})
		for _, e := range list {
			_ = cw.Write([]string{e.Dimension, e.ID, e.Name, e.Workspace})
		}
		cw.Flush()
		return cw.Error()
	}
	titles := map[string]string{"classifier": "Classifier (--classifier)"}
	for _, d := range idDimensions {
		titles[d.dim] = d.title
	}
	for i := 0; i < len(list); {
		j := i
		for j < len(list) && list[j].Dimension == list[i].Dimension {
			j++
		}
		cells := [][]string{{"ID", "NAME", "WORKSPACE"}}
		for _, e := range list[i:j] {
			cells = append(cells, []string{e.ID, e.Name, e.Workspace})
		}
		if list[i].Dimension != "api_key_id" {
			for k := range cells {
				cells[k] = cells[k][:2]
			}
		}
		fmt.Fprintf(w, "%s\n", titles[list[i].Dimension])
		writeAligned(w, cells, make([]bool, len(cells[0])))
		fmt.Fprintln(w)
		i = j
	}
	_, err := fmt.Fprintln(w, "Filters take the ids; rows show the names. Apps have no list upstream: the demo's stand in for the ones you know (sdk.WithApps).")
	return err
}
