package tests

import (
	"errors"
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/a2d11fc8/openrouter-analytics-go/internal/race"
)

// snippetImports are the packages the README's and the package docs'
// snippets may use; the ones a snippet does not use are fine.
const snippetImports = `
import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk/analyticstest"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk/dbsync"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk/row"
)
`

// snippetScope is what a fragment may take as given: a context, a
// client, a query and its result, a time range, a test, a sink and an
// error.
const snippetScope = `(ctx context.Context, client *sdk.Client, q sdk.QueryRequest, res *sdk.QueryResult,
	start, end time.Time, t *testing.T, export func(sdk.Row), err error) error`

// TestDocSnippetsCompile type-checks every Go block of README.md, of
// docs/*.md and of the package docs, so that none of them rots: a whole program as it is,
// a block with top-level functions at file level, and any other fragment
// as the body of a function given the usual names. Unused variables and
// imports are allowed (a fragment shows, it need not use).
func TestDocSnippetsCompile(t *testing.T) {
	t.Parallel()

	var snippets []snippet
	for _, path := range markdownDocs(t) {
		text, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for i, m := range regexp.MustCompile("(?s)```go\n(.*?)```").FindAllStringSubmatch(string(text), -1) {
			snippets = append(snippets, snippet{fmt.Sprintf("%s block %d", strings.TrimPrefix(path, "../"), i+1), m[1]})
		}
	}
	for _, path := range []string{"../sdk/doc.go", "../sdk/analyticstest/doc.go", "../sdk/row/row.go", "../sdk/errors.go", "../sdk/dbsync/doc.go"} {
		snippets = append(snippets, docBlocks(t, path)...)
	}
	if len(snippets) < 10 {
		t.Fatalf("only %d snippets found", len(snippets))
	}
	imp := importer.ForCompiler(token.NewFileSet(), "gc", exportData(t)) // compiled export data: no type-checking the dependencies from source
	// The check can fail: the analyticstest doc's old snippet did not compile.
	if typeCheck("fake := analyticstest.NewServer(t)\nclient := fake.Client(t)\n", imp) == nil {
		t.Fatal("a snippet that does not compile passed")
	}
	for _, s := range snippets {
		t.Run(s.name, func(t *testing.T) {
			if err := typeCheck(s.code, imp); err != nil {
				t.Errorf("%v\n%s", err, s.code)
			}
		})
	}
}

type snippet struct{ name, code string }

// exportData finds the compiled export data of every package a snippet
// may import, and of their dependencies, with one go list (built and
// cached by the go command).
func exportData(t *testing.T) func(path string) (io.ReadCloser, error) {
	var paths []string
	for _, m := range regexp.MustCompile(`"([^"]+)"`).FindAllStringSubmatch(snippetImports, -1) {
		paths = append(paths, m[1])
	}
	args := append(append([]string{"list"}, buildFlags()...), "-export", "-deps", "-f", "{{.ImportPath}}\t{{.Export}}")
	out, err := exec.Command("go", append(args, paths...)...).Output()
	if err != nil {
		t.Fatalf("go list -export: %v", err)
	}
	files := map[string]string{}
	for line := range strings.Lines(string(out)) {
		if path, file, ok := strings.Cut(strings.TrimSpace(line), "\t"); ok && file != "" {
			files[path] = file
		}
	}
	return func(path string) (io.ReadCloser, error) {
		file, ok := files[path]
		if !ok {
			return nil, fmt.Errorf("%s: not among the packages snippets may import", path)
		}
		return os.Open(file)
	}
}

// docBlocks returns the code blocks (tab-indented lines) of the doc
// comments in a Go file.
func docBlocks(t *testing.T, path string) []snippet {
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []snippet
	var block []string
	flush := func() {
		if len(block) > 0 {
			out = append(out, snippet{fmt.Sprintf("%s block %d", strings.TrimPrefix(path, "../"), len(out)+1), strings.Join(block, "\n") + "\n"})
			block = nil
		}
	}
	for line := range strings.Lines(string(src)) {
		line = strings.TrimSuffix(line, "\n")
		if code, ok := strings.CutPrefix(line, "//\t"); ok {
			block = append(block, code)
			continue
		}
		flush()
	}
	flush()
	return out
}

// typeCheck wraps a snippet into a file as its kind needs, and checks it.
func typeCheck(code string, imp types.Importer) error {
	var src string
	switch {
	case strings.HasPrefix(code, "package "):
		src = code
	case regexp.MustCompile(`(?m)^func `).MatchString(code):
		src = "package snippet\n" + snippetImports + code
	default:
		src = "package snippet\n" + snippetImports + "func _" + snippetScope + " {\n{\n" + code + "\n}\nreturn nil\n}\n"
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "snippet.go", src, parser.SkipObjectResolution)
	if err != nil {
		return err
	}
	var errs []error
	conf := types.Config{Importer: imp, Error: func(err error) {
		var te types.Error
		if errors.As(err, &te) && te.Soft {
			return // declared and not used, imported and not used
		}
		errs = append(errs, err)
	}}
	_, _ = conf.Check("snippet", fset, []*ast.File{f}, nil)
	return errors.Join(errs...)
}

// buildFlags are the flags the tests that run the go command pass it:
// those of the test binary itself, so that what it compiles is what
// make test compiled already, found in the build cache rather than
// compiled a second time without the race detector.
func buildFlags() []string {
	if race.Enabled {
		return []string{"-race"}
	}
	return nil
}

// markdownDocs are the Markdown pages whose code blocks the docs tests
// check: the README and every page under docs/.
func markdownDocs(t *testing.T) []string {
	t.Helper()
	pages, err := filepath.Glob("../docs/*.md")
	if err != nil || len(pages) < 5 {
		t.Fatalf("docs/*.md: %d pages, %v", len(pages), err)
	}
	return append([]string{"../README.md"}, pages...)
}

// TestDocBlocksAreChecked fails on a fenced block the docs tests would
// not see: Go blocks are type-checked above, SQL blocks are run by
// sdk/dbsync's TestReadmeQueries, which reads docs/sync.md alone, and
// the demo commands whose output a page quotes are run by
// internal/cli's TestDocumentedReviewIsWhatItPrints (docs/cli.md) and
// sdk/dbsync's TestSyncAgreesWithQueryAll (docs/sync.md). Other blocks are commands, output,
// configuration or other languages' clients, shown and not run.
func TestDocBlocksAreChecked(t *testing.T) {
	t.Parallel()

	shown := map[string]bool{"": true, "ini": true, "yaml": true, "ts": true, "python": true}
	fence := regexp.MustCompile("(?m)^```([a-z]*)\n(?s:.*?)^```$")
	for _, path := range markdownDocs(t) {
		text, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range fence.FindAllStringSubmatch(string(text), -1) {
			switch lang := m[1]; {
			case lang == "go", lang == "sql" && path == "../docs/sync.md", shown[lang]:
			default:
				t.Errorf("%s: a %q block no test checks", path, lang)
			}
		}
	}
}
