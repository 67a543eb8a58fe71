package main

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// operation is one the project's spec covers. A look-up declares only the
// fields the SDK uses and leaves its objects open, so upstream's other
// parameters, properties and requirements are not drift there; the
// fields it does declare must agree.
type operation struct {
	method, path string
	subset       bool
}

// operations are the six this project's spec covers.
var operations = []operation{
	{"get", "/analytics/meta", false}, {"post", "/analytics/query", false},
	{"get", "/keys", true}, {"get", "/workspaces", true}, {"get", "/organization/members", true}, {"get", "/models", true},
}

// doc is an OpenAPI document (3.0 or 3.1) as YAML or JSON decoded it.
type doc map[string]any

// drift lists what upstream has that ours lacks or contradicts, one
// finding a line, for the two operations and everything they reference.
func drift(upstream, ours doc) []string {
	var out []string
	report := func(where, format string, args ...any) {
		out = append(out, where+": "+fmt.Sprintf(format, args...))
	}
	for _, op := range operations {
		name := strings.ToUpper(op.method) + " " + op.path
		up, okUp := dig(upstream, "paths", op.path, op.method).(map[string]any)
		our, okOur := dig(ours, "paths", op.path, op.method).(map[string]any)
		switch {
		case !okUp && okOur:
			report(name, "operation: upstream no longer has it")
			continue
		case !okUp:
			continue
		case !okOur:
			report(name, "operation: missing")
			continue
		}
		if u, o := up["operationId"], our["operationId"]; u != nil && fmt.Sprint(u) != fmt.Sprint(o) {
			report(name, "operationId: upstream %v, ours %v", u, orNone(o))
		}
		compareParameters(upstream, ours, up, our, name, op.subset, report)
		if upBody := jsonSchema(upstream, dig(up, "requestBody")); upBody != nil {
			compareSchemas(upstream, ours, upBody, jsonSchema(ours, dig(our, "requestBody")), name+" request", op.subset, report)
		}
		upResp, _ := dig(up, "responses").(map[string]any)
		ourResp, _ := dig(our, "responses").(map[string]any)
		for _, status := range slices.Sorted(maps.Keys(upResp)) {
			o, ok := ourResp[status]
			if !ok {
				report(name, "response %s: missing", status)
				continue
			}
			if s := jsonSchema(upstream, upResp[status]); s != nil {
				compareSchemas(upstream, ours, s, jsonSchema(ours, o), name+" "+status, op.subset, report)
			}
		}
		for _, status := range slices.Sorted(maps.Keys(ourResp)) {
			if _, ok := upResp[status]; !ok {
				report(name, "response %s: ours has it, upstream does not", status)
			}
		}
	}
	return out
}

// compareParameters compares the operations' parameters: the set, and
// the schema (nullable, default, bounds, enum, format) and description of
// each one both have.
func compareParameters(upstream, ours doc, up, our map[string]any, name string, subset bool, report func(string, string, ...any)) {
	params := func(d doc, op map[string]any) map[string]map[string]any {
		set := map[string]map[string]any{}
		list, _ := op["parameters"].([]any)
		for _, p := range list {
			if m, ok := resolve(d, p).(map[string]any); ok {
				set[fmt.Sprintf("%v %v", m["in"], m["name"])] = m
			}
		}
		return set
	}
	u, o := params(upstream, up), params(ours, our)
	for _, p := range slices.Sorted(maps.Keys(u)) {
		if o[p] == nil {
			if !subset {
				report(name, "parameter %s: missing", p)
			}
			continue
		}
		where := name + " parameter " + p
		if described(upstream, u[p]) && !described(ours, o[p]) {
			report(where, "description: missing")
		}
		if s := u[p]["schema"]; s != nil {
			compareSchemas(upstream, ours, s, o[p]["schema"], where, false, report)
		}
	}
	for _, p := range slices.Sorted(maps.Keys(o)) {
		if u[p] == nil {
			report(name, "parameter %s: ours has it, upstream does not", p)
		}
	}
}

// jsonSchema is the application/json schema of a request body or a
// response, or nil.
func jsonSchema(d doc, bodyOrResponse any) any {
	return dig(resolve(d, bodyOrResponse), "content", "application/json", "schema")
}

// shape is a schema reduced to what the drift check compares.
type shape struct {
	types      map[string]bool // "string", "number", "integer", "boolean", "array", "object", "null"
	enum       []string        // nil: no enum, an open set
	required   map[string]bool
	properties map[string]any
	items      []any // the array's item schemas (several for a union)
	limits     map[string]any
	format     string
}

// reduce resolves a schema's $ref chain and folds OpenAPI 3.1's type
// lists, 3.0's nullable, and anyOf/oneOf/allOf into one shape.
func reduce(d doc, schema any) shape {
	s := shape{types: map[string]bool{}, required: map[string]bool{}, properties: map[string]any{}, limits: map[string]any{}}
	var fold func(any, int)
	fold = func(x any, depth int) {
		m, ok := resolve(d, x).(map[string]any)
		if !ok || depth > 32 {
			return
		}
		switch t := m["type"].(type) {
		case string:
			s.types[t] = true
		case []any:
			for _, v := range t {
				s.types[fmt.Sprint(v)] = true
			}
		}
		if m["nullable"] == true {
			s.types["null"] = true
		}
		if e, ok := m["enum"].([]any); ok {
			for _, v := range e {
				if v != nil {
					s.enum = append(s.enum, fmt.Sprint(v))
				}
			}
		}
		if r, ok := m["required"].([]any); ok {
			for _, v := range r {
				s.required[fmt.Sprint(v)] = true
			}
		}
		if p, ok := m["properties"].(map[string]any); ok {
			maps.Copy(s.properties, p)
		}
		if it, ok := m["items"]; ok {
			s.items = append(s.items, it)
		}
		for _, k := range []string{"minItems", "maxItems", "minimum", "maximum", "minLength", "maxLength", "default", "pattern"} {
			if v, ok := m[k]; ok {
				s.limits[k] = v
			}
		}
		if f, ok := m["format"].(string); ok {
			s.format = f
		}
		for _, k := range []string{"anyOf", "oneOf", "allOf"} {
			if list, ok := m[k].([]any); ok {
				for _, sub := range list {
					fold(sub, depth+1)
				}
			}
		}
	}
	fold(schema, 0)
	return s
}

// compareSchemas reports where the upstream schema has what ours lacks or
// contradicts, recursively through properties and items.
func compareSchemas(upstream, ours doc, up, our any, where string, subset bool, report func(string, string, ...any)) {
	if our == nil {
		report(where, "schema: missing")
		return
	}
	u, o := reduce(upstream, up), reduce(ours, our)
	if len(u.types) > 0 && len(o.types) > 0 {
		for _, t := range slices.Sorted(maps.Keys(u.types)) {
			if !o.types[t] && (t != "integer" || !o.types["number"]) {
				report(where, "type %s: upstream allows it, ours does not", t)
			}
		}
	}
	switch {
	case u.enum == nil && o.enum != nil:
		report(where, "enum: upstream has an open set, ours allows only %s", strings.Join(o.enum, ", "))
	case u.enum != nil && o.enum == nil:
		report(where, "enum: upstream allows only %s, ours has an open set", strings.Join(u.enum, ", "))
	case u.enum != nil:
		for _, v := range u.enum {
			if !slices.Contains(o.enum, v) && o.enum != nil {
				report(where, "enum value %s: missing", v)
			}
		}
	}
	for _, k := range slices.Sorted(maps.Keys(u.limits)) {
		if fmt.Sprint(u.limits[k]) != fmt.Sprint(o.limits[k]) {
			report(where, "%s: upstream %v, ours %v", k, u.limits[k], orNone(o.limits[k]))
		}
	}
	for _, k := range slices.Sorted(maps.Keys(o.limits)) {
		if _, ok := u.limits[k]; !ok {
			report(where, "%s: ours %v, upstream none", k, o.limits[k])
		}
	}
	if u.format != "" && u.format != o.format {
		report(where, "format: upstream %s, ours %s", u.format, orNone(o.format))
	}
	for _, r := range slices.Sorted(maps.Keys(u.required)) {
		if _, declared := o.properties[r]; subset && !declared {
			continue // a field the look-up leaves out
		}
		if !o.required[r] {
			report(where, "required %s: upstream requires it, ours does not", r)
		}
	}
	for _, r := range slices.Sorted(maps.Keys(o.required)) {
		if !u.required[r] {
			report(where, "required %s: ours requires it, upstream does not", r)
		}
	}
	for _, p := range slices.Sorted(maps.Keys(u.properties)) {
		ourProp, ok := o.properties[p]
		if !ok {
			if !subset {
				report(join(where, p), "property: missing")
			}
			continue
		}
		if described(upstream, u.properties[p]) && !described(ours, ourProp) {
			report(join(where, p), "description: missing")
		}
		compareSchemas(upstream, ours, u.properties[p], ourProp, join(where, p), subset, report)
	}
	for _, p := range slices.Sorted(maps.Keys(o.properties)) {
		if _, ok := u.properties[p]; !ok && len(u.properties) > 0 {
			report(join(where, p), "property: ours has it, upstream does not")
		}
	}
	if len(u.items) > 0 && len(o.items) > 0 {
		compareSchemas(upstream, ours, map[string]any{"anyOf": u.items}, map[string]any{"anyOf": o.items}, where+"[]", subset, report)
	}
}

// described reports whether a schema or parameter, or what its $ref
// chain leads to, has a description.
func described(d doc, x any) bool {
	for range 32 {
		m, ok := x.(map[string]any)
		if !ok {
			return false
		}
		if desc, ok := m["description"].(string); ok && strings.TrimSpace(desc) != "" {
			return true
		}
		ref, ok := m["$ref"]
		if !ok {
			return false
		}
		x = resolve(d, map[string]any{"$ref": ref})
	}
	return false
}

func join(where, prop string) string { return where + "." + prop }

func orNone(v any) any {
	if v == nil || v == "" {
		return "none"
	}
	return v
}

// resolve follows a $ref chain within the document.
func resolve(d doc, x any) any {
	for range 32 {
		m, ok := x.(map[string]any)
		if !ok {
			return x
		}
		ref, ok := m["$ref"].(string)
		if !ok {
			return x
		}
		path := strings.Split(strings.TrimPrefix(ref, "#/"), "/")
		keys := make([]string, len(path))
		for i, p := range path {
			keys[i] = strings.ReplaceAll(strings.ReplaceAll(p, "~1", "/"), "~0", "~")
		}
		x = dig(map[string]any(d), keys...)
	}
	return x
}

// dig walks down nested maps by keys; nil when a key is missing.
func dig(x any, keys ...string) any {
	for _, k := range keys {
		m, ok := x.(map[string]any)
		if !ok {
			if d, isDoc := x.(doc); isDoc {
				m = d
			} else {
				return nil
			}
		}
		x = m[k]
	}
	return x
}
