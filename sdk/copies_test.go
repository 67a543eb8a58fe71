package sdk_test

import (
	"cmp"
	"go/ast"
	"go/parser"
	"go/token"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/a2d11fc8/openrouter-analytics-go/gen"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
)

// The request types are aliases of gen's, so go doc shows their fields
// only as the struct each doc comment lists. The lists must be gen's
// fields exactly: a field the spec adds fails here until its doc says it.
func TestDocListsEveryField(t *testing.T) {
	t.Parallel()

	types := map[string]reflect.Type{
		"QueryRequest": reflect.TypeFor[sdk.QueryRequest](), "Filter": reflect.TypeFor[sdk.Filter](),
		"OrderBy": reflect.TypeFor[sdk.OrderBy](), "TimeRange": reflect.TypeFor[sdk.TimeRange](),
		"ClassifierDimensions": reflect.TypeFor[sdk.ClassifierDimensions](), "ClassifierFilters": reflect.TypeFor[sdk.ClassifierFilters](),
		"ClassifierFilter": reflect.TypeFor[sdk.ClassifierFilter](),
	}
	f, err := parser.ParseFile(token.NewFileSet(), "types.go", nil, parser.ParseComments)
	require.NoError(t, err)
	listed := map[string]bool{}
	fieldLine := regexp.MustCompile(`^\t\t(\w+)\s+(\S+)$`)
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.TYPE {
			continue
		}
		for _, spec := range g.Specs {
			ts := spec.(*ast.TypeSpec)
			want, ok := types[ts.Name.Name]
			if !ok {
				continue
			}
			doc := ts.Doc.Text()
			_, listing, found := strings.Cut(doc, "\ttype "+ts.Name.Name+" struct {\n")
			require.True(t, found, "%s's doc lists no struct", ts.Name.Name)
			listing, _, _ = strings.Cut(listing, "\t}")
			got := map[string]string{}
			for line := range strings.Lines(listing) {
				m := fieldLine.FindStringSubmatch(strings.TrimSuffix(line, "\n"))
				require.NotNil(t, m, "%s: %q", ts.Name.Name, line)
				got[m[1]] = unqualified(m[2])
			}
			fields := map[string]string{}
			for sf := range want.Fields() {
				fields[sf.Name] = unqualified(sf.Type.String())
			}
			assert.Equal(t, fields, got, "%s's doc lists gen.%s's fields and types", ts.Name.Name, want.Name())
			listed[ts.Name.Name] = true
		}
	}
	assert.Len(t, listed, len(types))
}

func unqualified(typ string) string { return regexp.MustCompile(`\w+\.`).ReplaceAllString(typ, "") }

// sdk.QueryResult is gen's result with its own methods; APIError holds
// the error body's fields. Both are copied by hand, so every field of
// gen's must have its counterpart.
func TestHandCopiesKeepEveryField(t *testing.T) {
	t.Parallel()

	ours := reflect.TypeFor[sdk.QueryResult]()
	for f := range reflect.TypeFor[gen.QueryResult]().Fields() {
		o, ok := ours.FieldByName(f.Name)
		if assert.True(t, ok, "sdk.QueryResult lacks gen.QueryResult.%s", f.Name) {
			assert.Equal(t, f.Tag.Get("json"), o.Tag.Get("json"), f.Name)
			assert.Equal(t, f.Type, o.Type, f.Name)
		}
	}
	apiErr := reflect.TypeFor[sdk.APIError]()
	for _, name := range errorBodyFields() {
		_, ok := apiErr.FieldByName(name)
		assert.True(t, ok, "sdk.APIError lacks the error body's %s", name)
	}
}

// errorBodyFields are the error body's fields, by the names APIError
// gives them (gen's own name when it has none: a new field).
func errorBodyFields() []string {
	ours := map[string]string{"OpenrouterMetadata": "OpenRouterMetadata"}
	var out []string
	for f := range reflect.TypeFor[gen.ErrorResponse]().Fields() {
		fields := []reflect.StructField{f}
		if f.Name == "Error" { // error.code, error.message, error.metadata
			fields = slices.Collect(f.Type.Fields())
		}
		for _, inner := range fields {
			out = append(out, cmp.Or(ours[inner.Name], inner.Name))
		}
	}
	return out
}
