package admin

import (
	"context"
	"strconv"
	"strings"
)

// pctIn is a share as a percentage with one decimal, with the request's language's decimal
// sign: "87.5 %", "87,5 %".
func pctIn(ctx context.Context, v float64) string {
	s := strconv.FormatFloat(v*100, 'f', 1, 64)
	if printerOf(ctx).Lang() != "en" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s + " %"
}
