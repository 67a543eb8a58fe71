// Command specdrift compares openapi/analytics.yaml with OpenRouter's
// published OpenAPI document for GET /analytics/meta and POST
// /analytics/query, and prints, one line each, what upstream has that
// ours lacks or contradicts: operations, parameters, response statuses,
// properties (nested), enum values, types (a type widened to null
// included), required fields, limits (minItems, maxItems, ...) and
// formats. It reads OpenAPI 3.1 as upstream writes it (type lists,
// anyOf, $ref chains, examples) as well as 3.0.
//
// Findings that allowlist.txt names are our documented refinements: they
// are printed as allowed, with their reason, and do not count. The exit
// code is 0 when nothing else was found, 1 on drift, 2 on an error.
//
//	go run ./internal/tools/specdrift [-upstream URL_OR_PATH] [-ours PATH] [-allow PATH]
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// DefaultUpstream is where OpenRouter publishes its OpenAPI document.
const DefaultUpstream = "https://openrouter.ai/openapi.json"

func main() {
	upstream := flag.String("upstream", DefaultUpstream, "upstream document: a URL or a path (YAML or JSON)")
	ours := flag.String("ours", "openapi/analytics.yaml", "this project's spec")
	allow := flag.String("allow", "internal/tools/specdrift/allowlist.txt", "documented refinements, one a line")
	flag.Parse()
	os.Exit(run(*upstream, *ours, *allow, os.Stdout, os.Stderr))
}

func run(upstreamRef, oursPath, allowPath string, stdout, stderr io.Writer) int {
	up, err := load(upstreamRef)
	if err != nil {
		fmt.Fprintln(stderr, "specdrift:", err)
		return 2
	}
	our, err := load(oursPath)
	if err != nil {
		fmt.Fprintln(stderr, "specdrift:", err)
		return 2
	}
	allowed, err := loadAllowlist(allowPath)
	if err != nil {
		fmt.Fprintln(stderr, "specdrift:", err)
		return 2
	}
	drifted := 0
	for _, f := range drift(up, our) {
		if reason, ok := allowed.match(f); ok {
			fmt.Fprintf(stdout, "allowed: %s (%s)\n", f, reason)
			continue
		}
		fmt.Fprintln(stdout, f)
		drifted++
	}
	if drifted > 0 {
		fmt.Fprintf(stdout, "specdrift: %d finding(s): upstream has what openapi/analytics.yaml lacks or contradicts\n", drifted)
		return 1
	}
	fmt.Fprintln(stdout, "specdrift: nothing new upstream")
	return 0
}

// maxDocument bounds what is read of a document: the whole of
// OpenRouter's is a few MiB.
const maxDocument = 64 << 20

// load reads a YAML or JSON document from a path or an http(s) URL.
func load(ref string) (doc, error) {
	var r io.Reader
	if strings.HasPrefix(ref, "http://") || strings.HasPrefix(ref, "https://") {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, ref, nil)
		if err != nil {
			return nil, err
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, err
		}
		defer func() { _ = resp.Body.Close() }()
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("%s: %s", ref, resp.Status)
		}
		r = resp.Body
	} else {
		f, err := os.Open(ref)
		if err != nil {
			return nil, err
		}
		defer func() { _ = f.Close() }()
		r = f
	}
	raw, err := io.ReadAll(io.LimitReader(r, maxDocument+1))
	if err != nil {
		return nil, err
	}
	if len(raw) > maxDocument {
		return nil, fmt.Errorf("%s: larger than %d bytes", ref, maxDocument)
	}
	var m map[string]any                            // not doc: yaml.v3 would make every nested map a doc too
	if err := yaml.Unmarshal(raw, &m); err != nil { // JSON is YAML too
		return nil, fmt.Errorf("%s: %w", ref, err)
	}
	d := doc(m)
	if d == nil || d["paths"] == nil {
		return nil, fmt.Errorf("%s: not an OpenAPI document (no paths)", ref)
	}
	return d, nil
}

// allowlist is the documented refinements: a finding that starts with an
// entry's text is allowed, for the entry's reason.
type allowlist []struct{ prefix, reason string }

func (a allowlist) match(finding string) (string, bool) {
	for _, e := range a {
		if strings.HasPrefix(finding, e.prefix) {
			return e.reason, true
		}
	}
	return "", false
}

// loadAllowlist reads "FINDING PREFIX  # reason" lines; blank lines and
// lines starting with # are comments. Every entry must give its reason.
func loadAllowlist(path string) (allowlist, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	var a allowlist
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		prefix, reason, ok := strings.Cut(line, " # ")
		if !ok || strings.TrimSpace(reason) == "" {
			return nil, fmt.Errorf("%s:%d: an entry needs ' # ' and its reason", path, n)
		}
		a = append(a, struct{ prefix, reason string }{strings.TrimSpace(prefix), strings.TrimSpace(reason)})
	}
	return a, sc.Err()
}
