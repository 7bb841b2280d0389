package locale

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// prose matches text meant for people: two words in a row, or any
// Japanese character.
var prose = regexp.MustCompile(`[A-Za-z]{2,}[,.]? [A-Za-z]{2,}|[\p{Hiragana}\p{Katakana}\p{Han}]`)

// drawingPackages are the packages whose output reaches operators: the
// screens, the notifications and the commands' output. Their words must
// come from the catalogue.
var drawingPackages = []string{"../tui", "../alert", "../alert/mail", "../cmd/rigtop"}

// TestNoProseOutsideCatalogue fails when a string literal that reads like
// a sentence is built in a package that draws or notifies. Log messages
// (slog calls) and error values are exempt: logs are for the operator's
// log file in a stable, searchable form, and errors are translated by kind
// where they are shown.
func TestNoProseOutsideCatalogue(t *testing.T) {
	for _, dir := range drawingPackages {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		if len(files) == 0 {
			if _, statErr := os.Stat(dir); statErr == nil {
				t.Errorf("%s has no Go files", dir)
			}
			continue
		}
		for _, file := range files {
			if strings.HasSuffix(file, "_test.go") {
				continue
			}
			found, err := findProse(file)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range found {
				t.Errorf("%s reads like text for people; put it in locale/messages", f)
			}
		}
	}
}

// findProse returns the position and text of every literal in file that
// reads like a sentence and is not exempt.
func findProse(file string) ([]string, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, file, nil, parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	var found []string
	exempt := map[*ast.BasicLit]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.ImportSpec:
			exempt[n.Path] = true
		case *ast.Field:
			if n.Tag != nil {
				exempt[n.Tag] = true
			}
		case *ast.CallExpr:
			if exemptCall(n) {
				ast.Inspect(n, func(m ast.Node) bool {
					if lit, ok := m.(*ast.BasicLit); ok {
						exempt[lit] = true
					}
					return true
				})
			}
		}
		return true
	})
	ast.Inspect(f, func(n ast.Node) bool {
		lit, ok := n.(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING || exempt[lit] {
			return true
		}
		text, err := strconv.Unquote(lit.Value)
		if err != nil {
			return true
		}
		if prose.MatchString(text) {
			found = append(found, fset.Position(lit.Pos()).String()+": "+strconv.Quote(text))
		}
		return true
	})
	return found, nil
}

func TestFindProseDetects(t *testing.T) {
	src := `package x

import "log/slog"

func f() (string, string, string) {
	slog.Info("poll started twice")
	return "Rigs up", "リグ", "MH/s"
}
`
	file := filepath.Join(t.TempDir(), "x.go")
	if err := os.WriteFile(file, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	found, err := findProse(file)
	if err != nil {
		t.Fatal(err)
	}
	if len(found) != 2 {
		t.Fatalf("found %q, want the two return values \"Rigs up\" and \"リグ\"", found)
	}
}

// exemptCall reports whether a call's string arguments are log messages,
// errors, patterns or panics rather than text shown to operators.
func exemptCall(call *ast.CallExpr) bool {
	switch fn := call.Fun.(type) {
	case *ast.SelectorExpr:
		pkg, _ := fn.X.(*ast.Ident)
		switch fn.Sel.Name {
		case "Debug", "Info", "Warn", "Error", "Log", "LogAttrs", "DebugContext", "InfoContext", "WarnContext", "ErrorContext":
			return true
		case "Errorf", "New":
			return pkg != nil && (pkg.Name == "fmt" || pkg.Name == "errors")
		case "MustCompile", "Compile":
			return pkg != nil && pkg.Name == "regexp"
		}
	case *ast.Ident:
		return fn.Name == "panic"
	}
	return false
}
