package sdk

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/a2d11fc8/openrouter-analytics-go/gen"
)

// The look-ups: where the ids that filters on enriched dimensions take
// come from. Each follows the listing's pages to the end.
type (
	// APIKey is an API key by the fields that name it: Hash (what an
	// api_key_id filter takes), Name (what rows show; not unique), Label
	// (a shortened form of the key), Disabled and WorkspaceID.
	APIKey = gen.APIKey
	// Workspace is a workspace: ID (what a workspace filter takes), Name
	// (what rows show) and Slug.
	Workspace = gen.Workspace
	// Member is a member of the organization: ID (what a user filter
	// takes), FirstName and LastName (rows show them; a member without
	// them shows as Email), Email and Role.
	Member = gen.Member
	// Model is a model: ID (the permaslug a model filter takes),
	// CanonicalSlug and Name (the display name rows show).
	Model = gen.Model
)

const (
	opKeys       = "GET /keys"
	opWorkspaces = "GET /workspaces"
	opMembers    = "GET /organization/members"
	opModels     = "GET /models"
)

// MaxListed bounds what one listing gathers: a server that pages on
// past it gets an error rather than the client's memory.
const MaxListed = 100_000

// ErrListTooLong is what a listing that goes on past MaxListed records
// wraps.
var ErrListTooLong = errors.New("openrouter: the listing is too long")

// lookupPage is the most records asked for in one page where the caller
// picks the size: the most the service allows.
const lookupPage = 100

// ListWorkspaces lists every workspace.
func (c *Client) ListWorkspaces(ctx context.Context, opts ...CallOption) ([]Workspace, error) {
	return listAll(ctx, c, opts, opWorkspaces, func(offset int) (*http.Request, error) {
		limit := lookupPage
		return gen.NewListWorkspacesRequest(c.server, &gen.ListWorkspacesParams{Offset: &offset, Limit: &limit})
	}, func(l *gen.WorkspaceList) ([]Workspace, int) { return l.Data, l.TotalCount })
}

// ListMembers lists every member of the organization.
func (c *Client) ListMembers(ctx context.Context, opts ...CallOption) ([]Member, error) {
	return listAll(ctx, c, opts, opMembers, func(offset int) (*http.Request, error) {
		limit := lookupPage
		return gen.NewListOrganizationMembersRequest(c.server, &gen.ListOrganizationMembersParams{Offset: &offset, Limit: &limit})
	}, func(l *gen.MemberList) ([]Member, int) { return l.Data, l.TotalCount })
}

// ListModels lists every model, in one request: without offset and
// limit, the service answers with the whole list.
func (c *Client) ListModels(ctx context.Context, opts ...CallOption) ([]Model, error) {
	return listAll(ctx, c, opts, opModels, func(int) (*http.Request, error) {
		return gen.NewListModelsRequest(c.server, &gen.ListModelsParams{})
	}, func(l *gen.ModelList) ([]Model, int) { return l.Data, len(l.Data) })
}

// ListKeys lists the API keys of a workspace, disabled ones too (their
// traffic is still in the analytics); the zero UUID means the default
// workspace. The service lists one workspace at a time: ListWorkspaces
// gives the others.
func (c *Client) ListKeys(ctx context.Context, workspace UUID, opts ...CallOption) ([]APIKey, error) {
	return listAll(ctx, c, opts, opKeys, func(offset int) (*http.Request, error) {
		all := "true"
		params := &gen.ListKeysParams{Offset: &offset, IncludeDisabled: &all}
		if workspace != (UUID{}) {
			params.WorkspaceID = &workspace
		}
		return gen.NewListKeysRequest(c.server, params)
	}, func(l *gen.KeyList) ([]APIKey, int) { return l.Data, -1 })
}

// listAll gathers a listing page by page, each request with the call's
// retries and errors, the whole within the call's timeout: it asks from
// the offset of what it has until a page comes back empty or the total
// the service gave (-1: none) is reached.
func listAll[T, L any](ctx context.Context, c *Client, opts []CallOption, op string,
	build func(offset int) (*http.Request, error), items func(*L) ([]T, int)) ([]T, error) {
	call, err := c.callConfig(opts)
	if err != nil {
		return nil, err
	}
	ctx, cancel := call.bound(ctx)
	defer cancel()
	all := []T{}
	for {
		req, err := build(len(all))
		if err != nil {
			return nil, fmt.Errorf("openrouter: %s: %w", op, err)
		}
		c.setHeaders(req.Header)
		var page L
		err = c.send(ctx, op, &call, req, func(resp *response) error {
			var zero L
			page = zero
			return c.decode(op, resp, &page)
		})
		if err != nil {
			return nil, err
		}
		got, total := items(&page)
		all = append(all, got...)
		switch {
		case len(got) == 0, total >= 0 && len(all) >= total:
			return all, nil
		case len(all) > MaxListed:
			return nil, fmt.Errorf("openrouter: %s: the listing goes on past %d records: %w", op, MaxListed, ErrListTooLong)
		}
	}
}
