// Package gen holds the types and the low-level client that oapi-codegen
// generates from openapi/analytics.yaml. Do not edit: run `make generate`.
// Most users want package sdk instead.
package gen

//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config ../codegen.yaml ../openapi/analytics.yaml
