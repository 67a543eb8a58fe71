package sdk

import "context"

// LabelIDs maps the labels rows show for an enriched dimension to the ids
// its filters take: what an export stores beside each label, since a
// label may change and several ids may share one.
type LabelIDs struct {
	// Dimension is the enriched dimension the map is for.
	Dimension string
	ids       map[string]string   // label: its only id
	shared    map[string][]string // label: the ids that share it
	known     map[string]bool     // every id
}

// LabelIDs builds the label-to-id map of an enriched dimension from its
// Directory (the look-ups; for apps, those WithApps gave).
func (c *Client) LabelIDs(ctx context.Context, dimension string) (*LabelIDs, error) {
	dir, err := c.Directory(ctx, dimension)
	if err != nil {
		return nil, err
	}
	l := &LabelIDs{Dimension: dimension, ids: map[string]string{}, shared: map[string][]string{}, known: map[string]bool{}}
	for _, cand := range dir {
		l.known[cand.ID] = true
		if list, ok := l.shared[cand.Label]; ok {
			l.shared[cand.Label] = append(list, cand.ID)
			continue
		}
		if first, ok := l.ids[cand.Label]; ok {
			delete(l.ids, cand.Label)
			l.shared[cand.Label] = []string{first, cand.ID}
			continue
		}
		l.ids[cand.Label] = cand.ID
	}
	return l, nil
}

// ID is the id of a label; false when no id bears it, or several do
// (Shared lists those). A label that is itself an id of the look-ups (a
// permaslug, as the service's model rows show) is its own id.
func (l *LabelIDs) ID(label string) (string, bool) {
	if id, ok := l.ids[label]; ok {
		return id, true
	}
	if l.known[label] {
		return label, true
	}
	return "", false
}

// Len is how many labels have an id of their own.
func (l *LabelIDs) Len() int { return len(l.ids) }

// IsShared reports whether several ids bear the label.
func (l *LabelIDs) IsShared(label string) bool {
	_, ok := l.shared[label]
	return ok
}

// Shared lists the labels that several ids bear, each with those ids in
// the look-up's order: rows with such a label cannot be told apart.
func (l *LabelIDs) Shared() map[string][]string {
	out := make(map[string][]string, len(l.shared))
	for label, ids := range l.shared {
		out[label] = append([]string(nil), ids...)
	}
	return out
}
