package restapi

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/parleychat/parley/backend/store"
)

// The OpenAPI 3.1 document, made from the route table and the wire types, so that it names
// every route the API serves and describes the answers it gives.

// Document returns the API's OpenAPI 3.1 document as JSON.
func Document() []byte {
	schemas := map[string]any{}
	paths := map[string]map[string]any{}
	for _, r := range routes() {
		op := map[string]any{
			"operationId": r.op,
			"summary":     r.summary,
			"description": "Needs the scope " + r.scope + ".",
			"security":    []any{map[string]any{"bearer": []string{r.scope}}},
		}
		var params []any
		if strings.Contains(r.path, "{id}") {
			kind := "string"
			if strings.HasPrefix(r.path, "/contacts") {
				kind = "integer"
			}
			params = append(params, map[string]any{"name": "id", "in": "path", "required": true, "schema": map[string]any{"type": kind}})
		}
		for _, p := range r.query {
			s := map[string]any{"type": p.kind}
			if p.kind == "date" {
				s = map[string]any{"type": "string", "format": "date"}
			}
			if p.repeat {
				s = map[string]any{"type": "array", "items": s}
			}
			params = append(params, map[string]any{"name": p.name, "in": "query", "description": p.doc, "schema": s, "explode": true})
		}
		if params != nil {
			op["parameters"] = params
		}
		if r.body != nil {
			op["requestBody"] = map[string]any{"required": true, "content": map[string]any{
				"application/json": map[string]any{"schema": schemaOf(reflect.TypeOf(r.body), schemas)}}}
		}
		responses := map[string]any{strconv.Itoa(r.status): map[string]any{
			"description": http.StatusText(r.status),
			"content":     map[string]any{"application/json": map[string]any{"schema": schemaOf(reflect.TypeOf(r.resp), schemas)}},
		}}
		for _, st := range append([]int{401, 403, 429}, r.fails...) {
			responses[strconv.Itoa(st)] = map[string]any{"$ref": "#/components/responses/" + strconv.Itoa(st)}
		}
		op["responses"] = responses
		if paths[Prefix+r.path] == nil {
			paths[Prefix+r.path] = map[string]any{}
		}
		paths[Prefix+r.path][strings.ToLower(r.method)] = op
	}
	problemRef := schemaOf(reflect.TypeOf(Problem{}), schemas)
	responses := map[string]any{}
	for _, st := range []int{400, 401, 403, 404, 409, 415, 422, 429, 503} {
		resp := map[string]any{
			"description": http.StatusText(st),
			"content":     map[string]any{"application/problem+json": map[string]any{"schema": problemRef}},
		}
		if st == 429 || st == 503 {
			resp["headers"] = map[string]any{"Retry-After": map[string]any{"description": "seconds to wait", "schema": map[string]any{"type": "integer"}}}
		}
		responses[strconv.Itoa(st)] = resp
	}
	doc := map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{
			"title":       "Parley REST API",
			"version":     "1.0.0",
			"description": "Chats, messages, contacts, settings and reports of one tenant, for integrators and bots. Authenticate with an API token made in the admin pages (API tokens): Authorization: Bearer <token>. Errors are RFC 9457 problems (application/problem+json).",
		},
		"paths": paths,
		"components": map[string]any{
			"schemas":   schemas,
			"responses": responses,
			"securitySchemes": map[string]any{"bearer": map[string]any{"type": "http", "scheme": "bearer",
				"description": "An API token; its scopes: " + strings.Join(store.APIScopes, ", ")}},
		},
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		panic(err) // only maps, slices and strings: cannot fail
	}
	return b
}

var timeType = reflect.TypeOf(time.Time{})

// schemaOf returns the JSON Schema (2020-12, as OpenAPI 3.1 uses it) of a wire type: a
// reference to a named struct's schema in schemas, which it adds.
func schemaOf(t reflect.Type, schemas map[string]any) map[string]any {
	switch {
	case t == timeType:
		return map[string]any{"type": "string", "format": "date-time"}
	case t.Kind() == reflect.Pointer:
		s := schemaOf(t.Elem(), schemas)
		if ty, ok := s["type"].(string); ok {
			s["type"] = []string{ty, "null"}
			return s
		}
		return map[string]any{"oneOf": []any{s, map[string]any{"type": "null"}}}
	case t.Kind() == reflect.Slice:
		return map[string]any{"type": "array", "items": schemaOf(t.Elem(), schemas)}
	case t.Kind() == reflect.String:
		return map[string]any{"type": "string"}
	case t.Kind() == reflect.Bool:
		return map[string]any{"type": "boolean"}
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Uint64:
		return map[string]any{"type": "integer"}
	case t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64:
		return map[string]any{"type": "number"}
	case t.Kind() == reflect.Struct:
		ref := map[string]any{"$ref": "#/components/schemas/" + t.Name()}
		if _, done := schemas[t.Name()]; done {
			return ref
		}
		props := map[string]any{}
		schemas[t.Name()] = map[string]any{} // a placeholder while its fields are made
		var required []string
		for i := range t.NumField() {
			f := t.Field(i)
			name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" || !f.IsExported() {
				continue
			}
			if name == "" {
				name = f.Name
			}
			props[name] = schemaOf(f.Type, schemas)
			if !strings.Contains(opts, "omitempty") {
				required = append(required, name)
			}
		}
		s := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
		if required != nil {
			s["required"] = required
		}
		schemas[t.Name()] = s
		return ref
	}
	panic("restapi: no schema for " + t.String())
}
