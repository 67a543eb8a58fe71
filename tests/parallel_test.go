package tests

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// TestTestsRunInParallel holds the suite to its rule: every top-level
// test calls t.Parallel, or its doc says why it cannot ("Not parallel:
// it sets an environment variable."), so that make test uses every core
// and a test that must run alone says so where it is read.
func TestTestsRunInParallel(t *testing.T) {
	t.Parallel()
	fset := token.NewFileSet()
	tests, alone := 0, 0
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != ".." && (d.Name() == "gen" || d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) {
			return filepath.SkipDir
		}
		if !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ParseComments)
		if err != nil {
			return err
		}
		for _, decl := range f.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Recv != nil || !isTest(fn) {
				continue
			}
			tests++
			if fn.Doc != nil && strings.Contains(fn.Doc.Text(), "Not parallel: ") {
				alone++
				continue
			}
			if !callsParallel(fn) {
				t.Errorf("%s: %s neither calls t.Parallel nor says why not (a \"Not parallel:\" line in its doc)", fset.Position(fn.Pos()), fn.Name.Name)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if tests < 200 {
		t.Fatalf("only %d tests found", tests)
	}
	t.Logf("%d top-level tests, %d of them alone", tests, alone)
}

// isTest says whether fn is a top-level test: TestXxx(t *testing.T),
// not TestMain.
func isTest(fn *ast.FuncDecl) bool {
	if !strings.HasPrefix(fn.Name.Name, "Test") || fn.Name.Name == "TestMain" || len(fn.Type.Params.List) != 1 {
		return false
	}
	star, ok := fn.Type.Params.List[0].Type.(*ast.StarExpr)
	if !ok {
		return false
	}
	sel, ok := star.X.(*ast.SelectorExpr)
	return ok && sel.Sel.Name == "T"
}

// callsParallel says whether fn's own body calls Parallel on its T.
func callsParallel(fn *ast.FuncDecl) bool {
	if len(fn.Type.Params.List[0].Names) == 0 || fn.Body == nil {
		return false
	}
	name := fn.Type.Params.List[0].Names[0].Name
	found := false
	ast.Inspect(fn.Body, func(n ast.Node) bool {
		if call, ok := n.(*ast.CallExpr); ok {
			if sel, ok := call.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "Parallel" {
				if id, ok := sel.X.(*ast.Ident); ok && id.Name == name {
					found = true
				}
			}
		}
		return !found
	})
	return found
}
