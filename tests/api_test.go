package tests

import (
	"bytes"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/printer"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var updateAPI = flag.Bool("update-api", false, "rewrite api/*.txt from the exported API")

// The packages whose exported API is a promise, and the file that holds
// each one's.
var apiPackages = []struct{ dir, file string }{
	{"sdk", "sdk.txt"},
	{"sdk/row", "row.txt"},
	{"sdk/dbsync", "dbsync.txt"},
	{"sdk/analyticstest", "analyticstest.txt"},
}

// The exported API is what api/ says, one line a name, in the manner of
// Go's own api/ files: changing a file is the act of changing the API,
// and the CHANGELOG names each change (make api-diff says whether it
// breaks callers). go test ./tests -run TestPublicAPI -update-api
// rewrites the files.
func TestPublicAPI(t *testing.T) {
	t.Parallel()

	for _, p := range apiPackages {
		t.Run(p.dir, func(t *testing.T) {
			got := exportedAPI(t, filepath.Join("..", p.dir))
			path := filepath.Join("..", "api", p.file)
			if *updateAPI {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(strings.Join(got, "\n")+"\n"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (go test ./tests -run TestPublicAPI -update-api writes it)", err)
			}
			want := strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n")
			var added, removed []string
			for _, l := range got {
				if !slices.Contains(want, l) {
					added = append(added, "+ "+l)
				}
			}
			for _, l := range want {
				if !slices.Contains(got, l) {
					removed = append(removed, "- "+l)
				}
			}
			if len(added)+len(removed) > 0 {
				t.Errorf("the exported API of %s is not api/%s: if the change is meant, run go test ./tests -run TestPublicAPI -update-api and name it in the CHANGELOG\n%s",
					p.dir, p.file, strings.Join(append(removed, added...), "\n"))
			}
		})
	}
}

// exportedAPI lists a package's exported names, one line each, sorted:
// functions and methods with their signatures, types with their kind,
// struct fields and interface methods, constants and variables.
func exportedAPI(t *testing.T, dir string) []string {
	t.Helper()
	fset := token.NewFileSet()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	pkgs := map[string][]*ast.File{} // by package name
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, e.Name()), nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		pkgs[f.Name.Name] = append(pkgs[f.Name.Name], f)
	}
	src := func(n ast.Node) string {
		var b bytes.Buffer
		if err := printer.Fprint(&b, fset, n); err != nil {
			t.Fatal(err)
		}
		return strings.Join(strings.Fields(b.String()), " ")
	}
	var out []string
	for name, files := range pkgs {
		add := func(format string, args ...any) { out = append(out, "pkg "+name+", "+fmt.Sprintf(format, args...)) }
		for _, f := range files {
			for _, decl := range f.Decls {
				switch d := decl.(type) {
				case *ast.FuncDecl:
					if !d.Name.IsExported() {
						continue
					}
					sig := strings.TrimPrefix(src(d.Type), "func")
					if d.Recv == nil {
						add("func %s%s", d.Name.Name, sig)
						continue
					}
					recv := src(d.Recv.List[0].Type)
					if base := strings.TrimLeft(strings.SplitN(recv, "[", 2)[0], "*"); !ast.IsExported(base) {
						continue
					}
					add("method (%s) %s%s", recv, d.Name.Name, sig)
				case *ast.GenDecl:
					for _, spec := range d.Specs {
						switch s := spec.(type) {
						case *ast.TypeSpec:
							if !s.Name.IsExported() {
								continue
							}
							typeSpec(add, src, s)
						case *ast.ValueSpec:
							for _, n := range s.Names {
								if !n.IsExported() {
									continue
								}
								kind := "var"
								if d.Tok == token.CONST {
									kind = "const"
								}
								if s.Type != nil {
									add("%s %s %s", kind, n.Name, src(s.Type))
								} else {
									add("%s %s", kind, n.Name)
								}
							}
						}
					}
				}
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// typeSpec lists a type: its kind (or what it aliases), and the exported
// fields of a struct or methods of an interface.
func typeSpec(add func(string, ...any), src func(ast.Node) string, s *ast.TypeSpec) {
	name := s.Name.Name
	if s.TypeParams != nil {
		var params []string
		for _, f := range s.TypeParams.List {
			var names []string
			for _, n := range f.Names {
				names = append(names, n.Name)
			}
			params = append(params, strings.Join(names, ", ")+" "+src(f.Type))
		}
		name += "[" + strings.Join(params, ", ") + "]"
	}
	if s.Assign.IsValid() {
		add("type %s = %s", name, src(s.Type))
		return
	}
	switch tt := s.Type.(type) {
	case *ast.StructType:
		add("type %s struct", name)
		for _, f := range tt.Fields.List {
			if len(f.Names) == 0 { // embedded
				if n := src(f.Type); ast.IsExported(strings.TrimLeft(n, "*")) {
					add("type %s struct, embedded %s", name, n)
				}
				continue
			}
			for _, n := range f.Names {
				if n.IsExported() {
					add("type %s struct, %s %s", name, n.Name, src(f.Type))
				}
			}
		}
	case *ast.InterfaceType:
		add("type %s interface", name)
		for _, m := range tt.Methods.List {
			for _, n := range m.Names {
				if n.IsExported() {
					add("type %s interface, %s%s", name, n.Name, strings.TrimPrefix(src(m.Type), "func"))
				}
			}
			if len(m.Names) == 0 {
				add("type %s interface, %s", name, src(m.Type))
			}
		}
	default:
		add("type %s %s", name, src(s.Type))
	}
}

// The lister sees every kind of exported name, and nothing unexported.
func TestExportedAPIListsEveryKind(t *testing.T) {
	t.Parallel()

	dir := t.TempDir()
	src := `package p

const A, b = 1, 2
var V int
type T struct{ F int; g string; Embedded }
type Embedded struct{}
type I interface{ M(x int) error }
type G[K comparable] map[K]int
type Alias = T
func New(opts ...int) (*T, error) { return nil, nil }
func (t *T) Do(ctx any) error { return nil }
func (t *T) hidden() {}
func hidden() {}
`
	if err := os.WriteFile(filepath.Join(dir, "p.go"), []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"pkg p, const A",
		"pkg p, func New(opts ...int) (*T, error)",
		"pkg p, method (*T) Do(ctx any) error",
		"pkg p, type Alias = T",
		"pkg p, type Embedded struct",
		"pkg p, type G[K comparable] map[K]int",
		"pkg p, type I interface",
		"pkg p, type I interface, M(x int) error",
		"pkg p, type T struct",
		"pkg p, type T struct, F int",
		"pkg p, type T struct, embedded Embedded",
		"pkg p, var V int",
	}
	if got := exportedAPI(t, dir); !slices.Equal(got, want) {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
